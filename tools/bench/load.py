"""The load generator: wrk in its own process, driven by `wrk.lua`, one JSON line back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk.lua")
_MARK = "BENCH_RESULT "


class WrkMissing(RuntimeError):
    """wrk is not installed and this process cannot install it."""


def _apt_install() -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, check=False).returncode == 0:
        return True
    # A fresh image may have no package lists yet.
    subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
    return subprocess.run(install, env=env, check=False).returncode == 0


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package first when missing and running as root."""
    found = shutil.which("wrk")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get") is not None:
        print("wrk is not installed: installing Debian's package (apt-get install wrk)...", flush=True)
        _apt_install()
        found = shutil.which("wrk")
    if found is None:
        raise WrkMissing(
            "wrk is not installed. Install it (Debian/Ubuntu: `sudo apt-get install wrk`, "
            "macOS: `brew install wrk`) and run `make bench` again."
        )
    return found


def wrk_version(wrk: str) -> str:
    completed = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (completed.stdout or completed.stderr).splitlines()[0].split(" Copyright")[0].strip()


@dataclass(frozen=True, slots=True)
class Sample:
    """One wrk run: how many answers in how long, two latency percentiles, what failed."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    status_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "rps": round(self.rps, 1)}


def run_wrk(
    wrk: str,
    *,
    url: str,
    connections: int,
    seconds: int,
    mode: str,
    users_file: Path,
    headers: Sequence[str],
    password: str,
) -> Sample:
    """Drive `url` with `connections` connections on one wrk thread for `seconds` (whole: wrk's unit)."""
    command = [
        wrk,
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--script",
        str(SCRIPT),
    ]
    for header in headers:
        command += ["--header", header]
    command += [url, "--", mode, str(users_file), password]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    line = next((line for line in completed.stdout.splitlines() if line.startswith(_MARK)), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    result = json.loads(line.removeprefix(_MARK))
    return Sample(
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        socket_errors=result["socket_errors"],
        status_errors=result["status_errors"],
    )
