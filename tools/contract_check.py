"""Fail when a contract in openapi/ breaks its clients, unless its info.version has a new major.

    python tools/contract_check.py                # compare with the main branch
    python tools/contract_check.py --base v1.2.0  # or with any git ref
    python tools/contract_check.py --install      # only install the pinned Optic

The working tree's openapi/*.yaml are compared with their versions at the base ref by
Optic's breaking-change rules (removed operations, status codes or response fields, new
required request fields, narrowed types or enums, ...) and by tools/constraints, which
compares what Optic does not: lengths, bounds, patterns, formats, closed objects, ... (a
request may not narrow them; a response or event may not widen what its reader checks).
Optic is pinned in tools/optic/ and installed into .cache/optic by `npm ci`. A major bump
of info.version (1.4.0 -> 2.0.0) accepts the breaking changes, which are still listed.

events.yaml (AsyncAPI) goes through the same rules after a translation: each message of
components/messages becomes `GET /events/<message name>` whose 200 response body is the
message's payload. A consumer reads a payload as a client reads a response, so a removed
message or payload field, a field that is no longer required, a changed type or a new enum
value fails, and so does a widened constraint that the consumers' generated models check.
Its channels and operations (the exchange, the consumers' queues with their arguments and
bindings, the receive operations) are compared by tools/constraints/topology.py: a removed
queue or operation, a changed binding or a message dropped from a receive operation fails.

When the base ref does not exist (a shallow clone, no main branch), the comparison is
with HEAD, which checks only uncommitted changes, and says so; outside a git checkout
the check is skipped, and says so.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools import constraints
from tools.constraints.topology import breaking_topology_changes

ROOT = Path(__file__).resolve().parent.parent
OPTIC_SOURCE = Path(__file__).resolve().parent / "optic"
OPTIC_HOME = ROOT / ".cache" / "optic"
CONTRACTS = "openapi"
# No telemetry, no update check, no colours: the output is read by this script and by people in CI logs.
OPTIC_ENV = {"OPTIC_TELEMETRY_LEVEL": "off", "NO_UPDATE_NOTIFIER": "1", "NO_COLOR": "1", "FORCE_COLOR": "0"}
SHOWN_LINES = 40


class ContractCheckError(Exception):
    """The check could not run; the message says why."""


@dataclass
class Verdict:
    name: str
    message: str
    breaking: list[str] = field(default_factory=list)
    failed: bool = False


def ensure_optic() -> Path:
    """The pinned Optic, installed from tools/optic/package-lock.json if it is not there yet."""
    lock = (OPTIC_SOURCE / "package-lock.json").read_bytes()
    wanted = hashlib.sha256(lock + (OPTIC_SOURCE / "package.json").read_bytes()).hexdigest()
    optic = OPTIC_HOME / "node_modules" / ".bin" / "optic"
    stamp = OPTIC_HOME / ".installed"
    OPTIC_HOME.mkdir(parents=True, exist_ok=True)
    with (OPTIC_HOME / ".lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # one install at a time (make and pytest may race)
        if optic.exists() and stamp.exists() and stamp.read_text() == wanted:
            return optic
        npm = shutil.which("npm")
        if npm is None:
            raise ContractCheckError(
                "the contract check needs Node.js and npm (Debian: apt-get install nodejs npm)"
            )
        stamp.unlink(missing_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(OPTIC_SOURCE / name, OPTIC_HOME / name)
        print(f"installing the pinned Optic into {OPTIC_HOME} (npm ci)", file=sys.stderr)
        result = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=OPTIC_HOME,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not optic.exists():
            raise ContractCheckError(f"npm ci of tools/optic failed:\n{result.stdout}{result.stderr}")
        stamp.write_text(wanted)
    return optic


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def resolve_base(repo: Path, ref: str) -> tuple[str, str] | None:
    """(commit, description) of the ref to compare with; HEAD when `ref` is missing; None without git."""
    for candidate in (ref, f"origin/{ref}"):
        found = git(repo, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
        if found.returncode == 0:
            return found.stdout.strip(), candidate
    head = git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head.returncode != 0:
        return None
    print(
        f"contract-check: base ref {ref!r} does not exist here (a shallow clone, or no such branch); "
        "comparing with HEAD instead, which checks only uncommitted changes",
        file=sys.stderr,
    )
    return head.stdout.strip(), "HEAD"


def contracts_at(repo: Path, commit: str) -> dict[str, str]:
    """The text of each openapi/*.yaml at `commit`."""
    listed = git(repo, "ls-tree", "--name-only", f"{commit}:{CONTRACTS}")
    if listed.returncode != 0:
        return {}
    texts: dict[str, str] = {}
    for name in listed.stdout.split():
        if name.endswith(".yaml"):
            texts[name] = git(repo, "show", f"{commit}:{CONTRACTS}/{name}").stdout
    return texts


def major(version: object, where: str) -> int:
    match = re.match(r"(\d+)\.", str(version))
    if match is None:
        raise ContractCheckError(
            f"{where}: info.version {version!r} is not a semantic version (MAJOR.MINOR.PATCH)"
        )
    return int(match.group(1))


def _openapi_discriminators(node: Any) -> Any:
    """AsyncAPI allows `discriminator: <property>`; OpenAPI wants `{propertyName: <property>}`."""
    if isinstance(node, dict):
        converted = {key: _openapi_discriminators(value) for key, value in node.items()}
        if isinstance(converted.get("discriminator"), str):
            converted["discriminator"] = {"propertyName": converted["discriminator"]}
        return converted
    if isinstance(node, list):
        return [_openapi_discriminators(item) for item in node]
    return node


def asyncapi_as_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Each message as a GET operation whose 200 response body is its payload."""
    components = document.get("components", {})
    default_type = document.get("defaultContentType", "application/json")
    paths: dict[str, Any] = {}
    for key, message in components.get("messages", {}).items():
        name = message.get("name", key)
        content_type = message.get("contentType", default_type)
        paths[f"/events/{name}"] = {
            "get": {
                "operationId": key,
                "responses": {
                    "200": {
                        "description": message.get("title", name),
                        "content": {content_type: {"schema": message.get("payload", {})}},
                    }
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": document["info"]["title"], "version": document["info"]["version"]},
        "paths": paths,
        "components": {"schemas": _openapi_discriminators(components.get("schemas", {}))},
    }


def as_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document the rules compare: an AsyncAPI one translated, any other as it is."""
    return asyncapi_as_openapi(document) if "asyncapi" in document else document


def as_openapi_text(text: str) -> tuple[str, dict[str, Any]]:
    document: dict[str, Any] = yaml.safe_load(text)
    if "asyncapi" in document:
        return yaml.safe_dump(as_openapi(document), sort_keys=False), document
    return text, document


def constraint_lines(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """tools/constraints' findings between two contracts (as written: AsyncAPI or OpenAPI), as
    lines of the verdict; event payloads are read by the consumers' generated Pydantic
    models, responses by the generated HTTP clients."""
    findings = constraints.breaking_changes(
        as_openapi(base),
        as_openapi(head),
        responses=constraints.EVENT_CONSUMER if "asyncapi" in head else constraints.HTTP_CLIENT,
    )
    # Channels and operations (exchange, queues, receive operations) are not schemas: the
    # consumers' brokers, not their models, are what a change there breaks.
    topology = breaking_topology_changes(base, head) if "asyncapi" in head else []
    return [f"x {finding}" for finding in [*map(str, findings), *topology]]


def breaking_lines(output: str) -> list[str]:
    """The operations and rules Optic reports as failed, from its text output."""
    lines = []
    for line in output.splitlines():
        stripped = line.strip()
        if stripped.startswith("x [") or re.match(r"x [A-Z]+ /", stripped):
            lines.append(line.rstrip())
    return lines


def run_optic(name: str, base_text: str, head_text: str) -> tuple[list[str], str]:
    """Optic's failed checks (empty when none) and its whole report."""
    optic = ensure_optic()
    with tempfile.TemporaryDirectory(prefix="contract-check-") as tmp:
        work = Path(tmp)
        (work / "base" / CONTRACTS).mkdir(parents=True)
        (work / CONTRACTS).mkdir()
        (work / "base" / CONTRACTS / name).write_text(base_text)
        (work / CONTRACTS / name).write_text(head_text)
        result = subprocess.run(
            # Loose validation: Optic's own schema refuses an OpenAPI 3.1 link whose requestBody is
            # an object of runtime expressions, which the specification allows (our contracts have them).
            [
                str(optic),
                "diff",
                f"base/{CONTRACTS}/{name}",
                f"{CONTRACTS}/{name}",
                "--check",
                "--validation",
                "loose",
            ],
            cwd=work,
            env={**os.environ, **OPTIC_ENV},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    report = result.stdout + result.stderr
    failed = breaking_lines(report)
    if result.returncode != 0 and not failed:
        raise ContractCheckError(f"optic could not compare {name}:\n{report}")
    return failed, report


def compare(name: str, base_text: str | None, head_text: str | None, *, reports: Path) -> Verdict:
    if base_text is None:
        return Verdict(name, "new contract, nothing to compare with")
    if head_text is None:
        return Verdict(name, "removed: every client of it breaks", failed=True)
    base_openapi, base_doc = as_openapi_text(base_text)
    head_openapi, head_doc = as_openapi_text(head_text)
    base_version, head_version = base_doc["info"]["version"], head_doc["info"]["version"]
    if base_doc == head_doc:
        return Verdict(name, f"unchanged ({head_version})")
    if base_version != head_version:
        # Optic skips its rules when the major version changes; give it equal versions so it
        # always lists what breaks, and apply the version rule here.
        base_openapi_doc = yaml.safe_load(base_openapi)
        base_openapi_doc["info"]["version"] = head_version
        base_openapi = yaml.safe_dump(base_openapi_doc, sort_keys=False)
    breaking, report = run_optic(name, base_openapi, head_openapi)
    # Optic has compared the two documents already: a $ref it could not follow failed there.
    constrained = constraint_lines(base_doc, head_doc)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / f"{Path(name).stem}.txt").write_text(
        report
        + "\nConstraint checks (tools/constraints):\n"
        + "".join(f"{line}\n" for line in constrained or ["none"])
    )
    return judge(name, base_version, head_version, breaking + constrained)


def judge(name: str, base_version: object, head_version: object, breaking: list[str]) -> Verdict:
    """The verdict on a changed contract whose comparisons found `breaking`: a major bump of
    info.version accepts them (still listed), anything else fails."""
    if not breaking:
        return Verdict(name, f"changed, no breaking change ({base_version} -> {head_version})")
    if major(head_version, name) > major(base_version, f"{name} at the base"):
        return Verdict(
            name,
            f"breaking changes accepted: info.version {base_version} -> {head_version} is a major bump",
            breaking,
        )
    return Verdict(
        name,
        f"breaking changes without a major bump of info.version ({base_version} -> {head_version}); "
        "make them additive, or bump the major version",
        breaking,
        failed=True,
    )


def check(repo: Path, base: str) -> int:
    resolved = resolve_base(repo, base)
    if resolved is None:
        print(f"contract-check: skipped, {repo} has no git history to compare with", file=sys.stderr)
        return 0
    commit, described = resolved
    base_texts = contracts_at(repo, commit)
    head_texts = {path.name: path.read_text() for path in sorted((repo / CONTRACTS).glob("*.yaml"))}
    print(f"contract-check: {CONTRACTS}/ compared with {described} ({commit[:12]})")
    names = sorted({*base_texts, *head_texts})
    reports = repo / "reports" / "contract-check"
    # Each changed contract starts Optic (seconds of CPU, mostly loading it): side by side.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        verdicts = list(
            pool.map(
                lambda name: compare(name, base_texts.get(name), head_texts.get(name), reports=reports), names
            )
        )
    failed = False
    for name, verdict in zip(names, verdicts, strict=True):
        failed = failed or verdict.failed
        print(f"  {'FAIL' if verdict.failed else 'ok  '} {CONTRACTS}/{name}: {verdict.message}")
        for line in verdict.breaking[:SHOWN_LINES]:
            print(f"      {line.strip()}")
        if len(verdict.breaking) > SHOWN_LINES:
            print(f"      ... and {len(verdict.breaking) - SHOWN_LINES} more")
        if verdict.breaking:
            print(f"      the whole report: reports/contract-check/{Path(name).stem}.txt")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="main", help="git ref to compare with (default: main)")
    parser.add_argument("--repo", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--install", action="store_true", help="only install the pinned Optic")
    args = parser.parse_args(argv)
    try:
        if args.install:
            print(f"optic at {ensure_optic()}")
            return 0
        return check(args.repo, args.base)
    except ContractCheckError as error:
        print(f"contract-check: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
