"""`--profile`: py-spy on a server while wrk drives one case, and where its CPU time goes.

py-spy samples the server process from outside without pausing it, so the CPU per request
measured meanwhile stays right (a stack may come out cut short; its innermost frame, which
the summary uses, does not). It writes collapsed stacks, `reports/bench-profiles/
<case>-<process>.txt`, which speedscope.app or flamegraph.pl draw. The summary adds the
samples up by the package on top of each stack (sqlalchemy, fastapi, redis, ...). Idle
time is excluded, but time spent waiting for a CPU is not: when the machine has fewer
cores than busy processes, it shows on socket writes (uvicorn's `send`), where a process
wakes its peer and is preempted. The CPU time per request, from /proc, is the number that
waiting does not inflate.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str | None:
    """The py-spy next to this interpreter (the dev group installs it), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start(py_spy_path: str, *, pid: int, seconds: int, output: Path) -> subprocess.Popen[bytes]:
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            py_spy_path,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (Linux's /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def _package(frame: str) -> str:
    """`execute (asyncpg/connection.py:318)` -> `asyncpg`; `wait (threading.py:320)` -> `threading`."""
    _, _, location = frame.rpartition(" (")
    path = location.split(":")[0]
    return path.split("/")[0].removesuffix(".py") or "?"


def by_package(collapsed: Path) -> Counter[str]:
    """Samples per package of the innermost frame, from py-spy's raw (collapsed) output."""
    counts: Counter[str] = Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if stack and samples.isdigit():
            counts[_package(stack.split(";")[-1])] += int(samples)
    return counts


def summary(counts: Counter[str], *, top: int = 8) -> str:
    total = sum(counts.values())
    if not total:
        return "no samples"
    return ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in counts.most_common(top))
