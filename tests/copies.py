"""Copies of this repository, for tests that walk what a developer does to one: edit a
contract or a model, run the project's commands, start its services.

A copy runs its own code: its commands and services run with the copy first on the import
path (the project's .venv is shared; it has no package of this project's own besides the
editable links, which PYTHONPATH outranks).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.live import LiveService, live_service

ROOT = Path(__file__).resolve().parent.parent


def copy_repository(target: Path) -> Path:
    """The tracked files of this checkout (as they are in the working tree), and its caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    # mypy's cache makes the copy's type check incremental; make generate's records let it
    # keep the parts whose contract did not change, as in the checkout.
    for cache in (".mypy_cache", ".cache/generate"):
        if (ROOT / cache).is_dir():
            shutil.copytree(ROOT / cache, target / cache)
    return target


def in_copy(copy: Path) -> dict[str, str]:
    """This environment, with the copy's packages imported first: its services and tools,
    its generated models and server surface, its generated clients and consumer package."""
    generated = copy / "generated"
    paths = [
        copy,
        generated,
        generated / "data-api-client",
        generated / "business-api-client",
        generated / "user-events-consumer",
    ]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, paths))}


def run(copy: Path, *command: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m <command>` in the copy, `env` added to its environment."""
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=copy,
        env={**in_copy(copy), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def make_generate(copy: Path) -> None:
    """What `make generate` runs, in the copy; it must succeed."""
    result = run(copy, "tools.generate")
    assert result.returncode == 0, result.stdout + result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {path.name} exactly once"
    path.write_text(text.replace(old, new))


SERVICE_TOKEN = "copy-service-token"
JWT_SECRET = "copy-jwt-secret-0123456789abcdef0123456789abcdef"


@contextmanager
def copy_services(
    copy: Path, *, database_url: str, redis_url: str, business: Mapping[str, str | None] = {}
) -> Iterator[tuple[LiveService, LiveService]]:
    """The copy's data and business services under uvicorn, on `database_url` (migrated by
    the caller) and Redis, without RabbitMQ; `business` adds to the business environment."""
    pythonpath = in_copy(copy)["PYTHONPATH"]
    data_env = {"DATABASE_URL": database_url, "SERVICE_TOKEN": SERVICE_TOKEN, "PYTHONPATH": pythonpath}
    with live_service("copy-data", "data_service.app:create_app", data_env, cwd=copy) as data:
        business_env = {
            "DATA_SERVICE_URL": data.url,
            "SERVICE_TOKEN": SERVICE_TOKEN,
            "JWT_SECRET": JWT_SECRET,
            "REDIS_URL": redis_url,
            "RABBITMQ_URL": None,
            "PYTHONPATH": pythonpath,
            **business,
        }
        with live_service("copy-business", "business_service.app:create_app", business_env, cwd=copy) as api:
            yield data, api
