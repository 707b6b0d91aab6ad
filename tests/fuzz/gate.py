"""The schemathesis gate: one configuration, used by CI, `make fuzz` and the planted-failure test."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports" / "fuzz"
DEEP = os.environ.get("FUZZ_DEEP") == "1"

# CI: fixed seed, one worker, nothing remembered between runs, a bounded number of examples.
# `make fuzz-deep`: a new seed each run (FUZZ_SEED replays one) and many more examples.
SEED = int(os.environ.get("FUZZ_SEED") or (random.randrange(2**32) if DEEP else 20261121))
MAX_EXAMPLES = 200 if DEEP else int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
PHASES = "examples,coverage,fuzzing,stateful"


@dataclass(frozen=True)
class GateResult:
    name: str
    returncode: int
    output: str
    ndjson: Path
    junit: Path

    @property
    def passed(self) -> bool:
        return self.returncode == 0


def run_gate(
    *,
    name: str,
    spec: str,
    url: str,
    headers: Mapping[str, str] = {},
    env: Mapping[str, str] = {},
    phases: str = PHASES,
    extra: Sequence[str] = (),
) -> GateResult:
    """Run schemathesis with all checks and all phases against `url`, described by openapi/`spec`.

    Every check is on by default; `--checks=all` is not passed because, as a CLI option, it
    would override the per-operation exceptions (each explained) in schemathesis.toml.
    `env` is added to schemathesis's environment (hooks and what they need).
    """
    REPORTS.mkdir(parents=True, exist_ok=True)
    junit, ndjson = REPORTS / f"{name}.xml", REPORTS / f"{name}.ndjson"
    # Examples per operation go into the configuration, not the command line: a CLI option
    # would also override the stateful phase's own number of scenarios in schemathesis.toml.
    # One per run: runs in parallel (the business passes, xdist workers) must not read one
    # another's half-written file.
    config = REPORTS / f"{name}.schemathesis.toml"
    config.write_text(
        f"generation.max-examples = {MAX_EXAMPLES}\n" + (ROOT / "schemathesis.toml").read_text()
    )
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        f"--config-file={config}",
        "run",
        str(ROOT / "openapi" / spec),
        f"--url={url}",
        f"--phases={phases}",
        "--workers=1",
        f"--seed={SEED}",
        "--generation-database=none",
        "--request-timeout=10",
        "--report=junit,ndjson",
        f"--report-junit-path={junit}",
        f"--report-ndjson-path={ndjson}",
        "--no-color",
        *[f"--header={key}: {value}" for key, value in headers.items()],
        *extra,
    ]
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    output = completed.stdout + completed.stderr
    (REPORTS / f"{name}.txt").write_text(output)
    return GateResult(name, completed.returncode, output, ndjson, junit)


Link = tuple[str, str, str, str]  # (method, path, status, link name) of the source response
_TRANSITION = re.compile(r'"transition":\{"id":"(\w+) (\S+) -> \[(\d+)\] (.+?) -> \w+ \S+?"')


def declared_links(spec: str) -> set[Link]:
    """Every OpenAPI link the contract declares."""
    contract: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / spec).read_text())
    found: set[Link] = set()
    for path, item in contract["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                for link_name in response.get("links", {}):
                    found.add((method.upper(), path, str(status), link_name))
    return found


def followed_links(ndjson: Path) -> set[Link]:
    """Every link schemathesis's stateful phase followed, from its NDJSON event report."""
    return {
        (m.group(1), m.group(2), m.group(3), m.group(4)) for m in _TRANSITION.finditer(ndjson.read_text())
    }


@dataclass(frozen=True)
class LinkCoverage:
    declared: frozenset[Link]
    followed: frozenset[Link]

    @property
    def share(self) -> float:
        return len(self.declared & self.followed) / len(self.declared) if self.declared else 1.0

    @property
    def missed(self) -> list[Link]:
        return sorted(self.declared - self.followed)

    def summary(self, name: str) -> str:
        hit = len(self.declared & self.followed)
        return f"{name}: followed {hit} of {len(self.declared)} declared links ({self.share:.0%})"


def link_coverage(spec: str, *ndjson: Path) -> LinkCoverage:
    followed: set[Link] = set()
    for path in ndjson:
        followed |= followed_links(path)
    return LinkCoverage(frozenset(declared_links(spec)), frozenset(followed))


def answers(ndjson: Path, label: str) -> Counter[int]:
    """How often each status answered operation `label` ("POST /users/me/password") in a
    run, from schemathesis's NDJSON event report: every phase, every case it sent."""
    method, path = label.split(" ", 1)
    found: Counter[int] = Counter()
    with ndjson.open() as events:
        for line in events:
            scenario = json.loads(line).get("ScenarioFinished")
            if scenario is None:
                continue
            recorder = scenario["recorder"]
            for case_id, interaction in recorder.get("interactions", {}).items():
                case = recorder["cases"][case_id]["value"]
                response = interaction.get("response")  # None when no answer came
                if case["method"] == method and case["path"] == path and response is not None:
                    found[response["status_code"]] += 1
    return found


def answers_summary(name: str, label: str, counts: Counter[int]) -> str:
    shown = ", ".join(f"{status} x{count}" for status, count in sorted(counts.items())) or "never called"
    return f"{name}: {label} answered {shown}"


COVERAGE_LINES: list[str] = []
CoverageKind = Literal["stateful link coverage", "operation coverage"]
COVERAGE_REPORTS: dict[CoverageKind, str] = {
    "stateful link coverage": "link-coverage.txt",
    "operation coverage": "operation-coverage.txt",
}


def record_coverage(kind: CoverageKind, line: str) -> None:
    """Keep a coverage line for the terminal summary and the report folder."""
    COVERAGE_LINES.append(f"{kind}: {line}")
    REPORTS.mkdir(parents=True, exist_ok=True)
    with (REPORTS / COVERAGE_REPORTS[kind]).open("a") as out:
        out.write(line + "\n")
