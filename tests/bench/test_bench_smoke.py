"""`make bench`'s harness runs end to end, tiny and short. No timing is asserted: only that
every case ran without failed requests, the report holds every case and ratio, and the
journeys phase (5 journeys here) lost nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import infra
from tools.bench import load
from tools.bench.report import TARGETS
from tools.bench.run import CASES, LOGIN

ROOT = Path(__file__).resolve().parents[2]


# Run alone: its one-second rounds must each get an answer from every case, the slowest
# (a new httpx client per request) included, and nine servers plus wrk beside three other
# workers' tests left that case unanswered.
@pytest.mark.serial
@pytest.mark.timeout(180)
def test_the_bench_runs_every_case_and_writes_the_report(
    tmp_path: Path, postgres_server_url: str, redis_url: str, rabbitmq_url: str
) -> None:
    try:
        load.ensure_wrk()
    except load.WrkMissing as exc:
        infra.missing("wrk", str(exc))
    output = tmp_path / "bench.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.bench",
            "--users=50",
            "--duration=1",
            "--warmup=0",
            "--rounds=1",
            "--connections=4,32",
            f"--database-url={postgres_server_url}",
            f"--redis-url={redis_url}",
            "--journeys=5",
            "--journey-concurrency=4",
            f"--rabbitmq-url={rabbitmq_url}",
            f"--output={output}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    report = json.loads(output.read_text())
    assert set(report["cases"]) == {case.key for case in (*CASES, LOGIN)}
    for key, case in report["cases"].items():
        for connections in ("c4", "c32"):
            # No answer may be a wrong one.
            assert all(r["status_errors"] == 0 for r in case[connections]["rounds"]), (key, case[connections])
        # The harness, not the speed: a one-second run at 32 connections may finish no slow
        # request (the seeds' pattern), but every case must have been answered at all.
        answered = sum(r["requests"] for c in ("c4", "c32") for r in case[c]["rounds"])
        assert answered > 0, (key, case)
    assert [row["title"] for row in report["ratios"]] == [target.title for target in TARGETS]
    assert "| ratio of req/s |" in completed.stdout
    journeys = report["journeys"]
    assert journeys["failures"] == [], journeys
    assert journeys["nothing_lost"] is True
    assert journeys["server_errors"] == journeys["unanswered"] == 0
    assert journeys["users_created"] == journeys["users_read_back"] == journeys["updates"] == 5
    assert journeys["events"] == {"user.created": 5, "user.updated": 5, "received": 10, "duplicates": 0}
    assert "Verdict: nothing lost" in completed.stdout
