"""`make dev`'s contract watcher: regenerate generated/ when a contract in openapi/ changes,
then have the services reload.

A contract the generator refuses (invalid, or a construct it does not implement) is
reported with the validator's message and changes nothing: generated/ stays as it was and
the services keep serving the last good contract. After a good one, the reload stamp in
.cache/dev is touched, which both uvicorn reloaders watch (the served contract is read
from openapi/ at start-up, so even a change that leaves generated/ alike needs a reload).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from watchfiles import watch

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "openapi"
STAMP = ROOT / ".cache" / "dev" / "contracts.stamp"


def regenerate() -> bool:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "tools.generate"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        print(
            "contract refused; generated/ and the running services are unchanged:\n" + result.stderr.strip(),
            flush=True,
        )
        return False
    STAMP.write_text(f"{time.time()}\n")
    print(f"{result.stdout.strip()} in {time.perf_counter() - started:.1f} s; reloading", flush=True)
    return True


def main() -> int:
    STAMP.parent.mkdir(parents=True, exist_ok=True)
    STAMP.touch()
    print(f"watching {CONTRACTS.relative_to(ROOT)}/*.yaml", flush=True)
    for changes in watch(CONTRACTS, watch_filter=lambda _, path: path.endswith(".yaml")):
        names = sorted({Path(path).name for _, path in changes})
        print(f"changed: {', '.join(names)}; regenerating...", flush=True)
        regenerate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
