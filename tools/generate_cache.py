"""Which parts of generated/ `make generate` may keep as they are, because nothing they are
made from has changed since they were made.

A part (the models of one contract, one client package) is made from its contract and the
generators: its key is a hash of the contract's bytes, the pinned generator versions and
this pipeline's own code. `.cache/generate/<part>.json` records the key a part was last
made with, and a hash of what was made. A part is kept only when both still hold: same key,
and the part in generated/ is byte for byte what was recorded, so a hand-edited or
half-written generated/ is regenerated, never trusted. `make check-generated` ignores all
of this and regenerates everything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
GENERATORS = ("datamodel-code-generator", "openapi-python-client", "ruff")


def digest(path: Path) -> str:
    """A hash of a file, or of every file below a folder with its relative path."""
    hasher = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if "__pycache__" in file.parts:
            continue
        hasher.update(str(file.relative_to(path) if path.is_dir() else file.name).encode() + b"\0")
        hasher.update(file.read_bytes() + b"\0")
    return hasher.hexdigest()


def key(part: str, inputs: Iterable[Path]) -> str:
    """What `part` is made from: its inputs, the generators' versions, this pipeline's code."""
    hasher = hashlib.sha256(part.encode())
    for name in GENERATORS:
        hasher.update(f"{name}=={version(name)}".encode())
    for source in [
        *sorted(TOOLS.glob("generate*.py")),
        *sorted((TOOLS / "server_surface").glob("*.py")),
        *inputs,
    ]:
        hasher.update(source.read_bytes())
    return hasher.hexdigest()


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _record(self, part: str) -> Path:
        return self.folder / f"{part.replace('/', '_')}.json"

    def unchanged(self, part: str, made: Path, part_key: str) -> bool:
        """Whether `made` (the part in generated/) is what `part_key` made last time."""
        try:
            record = json.loads(self._record(part).read_text())
        except (OSError, ValueError):
            return False
        return made.exists() and record.get("key") == part_key and record.get("digest") == digest(made)

    def remember(self, part: str, made: Path, part_key: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._record(part).write_text(json.dumps({"key": part_key, "digest": digest(made)}))
