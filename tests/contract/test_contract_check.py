"""`make contract-check`: breaking contract changes fail unless info.version gets a new major.

The end-to-end tests edit a copy of openapi/ in a temporary git repository whose main
branch holds the real contracts, and run the check (the pinned Optic and tools/constraints)
against that branch. Each start of Optic costs seconds of CPU, so the constraint rules are
proven on the parsed contracts in process, through the check's own comparison and
verdict, and their harmless side once more through the whole command, several rules a run.
"""

from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import constraints, contract_check
from tools.constraints.topology import breaking_topology_changes

Spec = dict[str, Any]
# The tests of one module-scoped run of the check (`broken_business`) go to one xdist
# worker, which runs it once (`make pytest` runs with --dist loadgroup).
BROKEN_BUSINESS = pytest.mark.xdist_group("contract-check-broken-business")


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def copy_contracts(target: Path) -> Path:
    """openapi/ copied into `target`, the business contract at a known base version (1.0.0),
    whatever the real one's is today."""
    shutil.copytree(contract_check.ROOT / "openapi", target / "openapi")
    business = target / "openapi" / "business.yaml"
    business.write_text(
        re.sub(r"^  version: .+$", "  version: 1.0.0", business.read_text(), count=1, flags=re.M)
    )
    return target


def new_repo(target: Path) -> Path:
    """A git repository whose main branch holds the contracts (copy_contracts)."""
    copy_contracts(target)
    git(target, "init", "--quiet", "--initial-branch=main")
    git(target, "add", "openapi")
    git(target, "commit", "--quiet", "-m", "contracts")
    return target


@pytest.fixture
def repo(tmp_path: Path, optic: Path) -> Path:
    return new_repo(tmp_path)


def edit(repo: Path, name: str, change: Callable[[Spec], None]) -> None:
    path = repo / "openapi" / name
    spec: Spec = yaml.safe_load(path.read_text())
    change(spec)
    path.write_text(yaml.safe_dump(spec, sort_keys=False))


def run(repo: Path, capsys: pytest.CaptureFixture[str], base: str = "main") -> tuple[int, str]:
    code = contract_check.main(["--repo", str(repo), "--base", base])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def schemas(spec: Spec) -> dict[str, Spec]:
    found: dict[str, Spec] = spec["components"]["schemas"]
    return found


def test_unchanged_contracts_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "openapi/business.yaml: unchanged (1.0.0)" in output


@pytest.fixture(scope="module")
def broken_business(tmp_path_factory: pytest.TempPathFactory, optic: Path) -> tuple[int, str, Path]:
    """One run of the check on four breaking changes to the business contract, each of
    which Optic must list as a failure of its own (the tests below, one a change): the
    check's exit code, its output and the repository."""

    def break_four_ways(spec: Spec) -> None:
        spec["paths"].pop("/users/stats")
        register = schemas(spec)["RegisterRequest"]
        register["properties"]["nickname"] = {"type": "string", "maxLength": 40}
        register["required"].append("nickname")
        schemas(spec)["Role"].update(enum=["user"])
        spec["paths"]["/users/me"]["get"]["responses"].pop("401")

    repo = new_repo(tmp_path_factory.mktemp("broken-business"))
    edit(repo, "business.yaml", break_four_ways)
    output = io.StringIO()
    with redirect_stdout(output), redirect_stderr(output):
        code = contract_check.main(["--repo", str(repo), "--base", "main"])
    return code, output.getvalue(), repo


def failed_in(broken: tuple[int, str, Path], operation: str, *lines: str) -> None:
    """The check failed the business contract, and Optic's whole report (the output shows
    its first lines only) lists each of `lines` as a failed check of `operation`."""
    code, output, repo = broken
    assert code == 1, output
    assert "FAIL openapi/business.yaml: breaking changes without a major bump" in output
    report = (repo / "reports" / "contract-check" / "business.txt").read_text()
    failures: dict[str, list[str]] = {}
    current: list[str] = []
    for line in report.splitlines():
        header = re.match(r"([x✔]) ([A-Z]+ /\S*):", line)
        if header:
            current = failures.setdefault(header.group(2), [])
        if contract_check.breaking_lines(line):
            current.append(line.strip())
    for wanted in lines:
        assert any(wanted in failure for failure in failures.get(operation, [])), failures.get(operation)


@BROKEN_BUSINESS
def test_a_removed_operation_fails(broken_business: tuple[int, str, Path]) -> None:
    failed_in(
        broken_business, "GET /users/stats", "x GET /users/stats: removed", "cannot remove an operation"
    )
    _, output, _ = broken_business
    assert "x GET /users/stats: removed" in output


@BROKEN_BUSINESS
def test_a_new_required_request_field_fails(broken_business: tuple[int, str, Path]) -> None:
    failed_in(broken_business, "POST /auth/register", "cannot add a required request property 'nickname'")


@BROKEN_BUSINESS
def test_a_narrowed_enum_fails(broken_business: tuple[int, str, Path]) -> None:
    failed_in(broken_business, "PATCH /users/{user_id}", "cannot remove enum option 'admin'")


@BROKEN_BUSINESS
def test_a_removed_status_code_fails(broken_business: tuple[int, str, Path]) -> None:
    failed_in(broken_business, "GET /users/me", "must not remove response status code 401")


def test_additive_changes_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def add(spec: Spec) -> None:
        schemas(spec)["RegisterRequest"]["properties"]["nickname"] = {"type": "string", "maxLength": 40}
        schemas(spec)["UserPublic"]["properties"]["nickname"] = {"type": "string"}
        spec["info"]["version"] = "1.1.0"

    edit(repo, "business.yaml", add)
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "openapi/business.yaml: changed, no breaking change (1.0.0 -> 1.1.0)" in output


def test_a_major_version_bump_accepts_breaking_changes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def break_and_bump(spec: Spec) -> None:
        spec["paths"].pop("/users/stats")
        spec["info"]["version"] = "2.0.0"

    edit(repo, "business.yaml", break_and_bump)
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "breaking changes accepted: info.version 1.0.0 -> 2.0.0 is a major bump" in output
    assert "cannot remove an operation" in output  # still listed


def test_a_removed_event_payload_field_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def drop_full_name(spec: Spec) -> None:
        user = schemas(spec)["EventUser"]
        del user["properties"]["full_name"]
        user["required"].remove("full_name")

    edit(repo, "events.yaml", drop_full_name)
    code, output = run(repo, capsys)
    assert code == 1, output
    assert "FAIL openapi/events.yaml" in output
    assert "x GET /events/user.created" in output
    assert "cannot remove response property 'full_name'" in output


def _drop_the_audit_queue(spec: Spec) -> None:
    spec["operations"].pop("receiveAuditEvents")
    spec["channels"].pop("auditQueue")


def test_a_removed_consumer_queue_fails_unless_the_major_version_changes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(repo, "events.yaml", _drop_the_audit_queue)
    code, output = run(repo, capsys)
    assert code == 1, output
    assert "FAIL openapi/events.yaml" in output
    assert "x channels.auditQueue removed" in output
    assert "x operations.receiveAuditEvents removed" in output

    def bump(spec: Spec) -> None:
        spec["info"]["version"] = "2.0.0"

    edit(repo, "events.yaml", bump)
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "x channels.auditQueue removed" in output  # accepted, still listed


def _events() -> Spec:
    document: Spec = yaml.safe_load((contract_check.ROOT / "openapi" / "events.yaml").read_text())
    return document


def _queue_arguments(spec: Spec) -> Spec:
    arguments: Spec = spec["channels"]["auditQueue"]["bindings"]["amqp"]["queue"]["x-arguments"]
    return arguments


def test_a_changed_queue_argument_or_a_message_dropped_from_a_receive_operation_is_breaking() -> None:
    head = _events()
    _queue_arguments(head)["x-delivery-limit"] = 10
    head["operations"]["receiveAuditEvents"]["messages"].pop()
    assert breaking_topology_changes(_events(), head) == [
        "channels.auditQueue.bindings.amqp.queue.x-arguments.x-delivery-limit 5 -> 10 changes what the "
        "broker declares (an existing queue or exchange refuses it)",
        "operations.receiveAuditEvents.messages -userDeleted: its consumers stop receiving it",
    ]


def test_a_new_queue_and_a_new_message_of_a_receive_operation_are_additive() -> None:
    base, head = _events(), _events()
    head["channels"]["welcomeQueue"] = {**head["channels"]["auditQueue"], "address": "users.events.welcome"}
    base["operations"]["receiveAuditEvents"]["messages"].pop()
    assert breaking_topology_changes(base, head) == []


def test_a_missing_base_ref_falls_back_to_head(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "business.yaml", lambda spec: spec["paths"].pop("/users/stats"))
    code, output = run(repo, capsys, base="no-such-branch")
    assert "base ref 'no-such-branch' does not exist here" in output
    assert "compared with HEAD" in output
    assert code == 1, output  # the uncommitted change is still checked


def test_outside_git_the_check_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(copy_contracts(tmp_path), capsys)
    assert code == 0
    assert "skipped" in output


# Constraint rules (tools/constraints): each proven three ways in process, and its harmless
# side once more through the whole command.


@dataclass(frozen=True)
class Rule:
    """A change the check refuses, the same keyword moved the harmless way, and the line
    that names the schema, the keyword and both values."""

    id: str
    contract: str
    breaks: Callable[[Spec], None]
    passes: Callable[[Spec], None]
    listed: str
    base: Callable[[Spec], None] | None = None  # committed first: a keyword the contract lacks


def schema_at(spec: Spec, *path: str) -> Spec:
    node: Spec = spec["components"]
    for key in path:
        node = node[key]
    return node


def setting(*path: str, **values: Any) -> Callable[[Spec], None]:
    """Set keywords of the schema at components.<path>; a value of None removes the keyword."""

    def change(spec: Spec) -> None:
        node = schema_at(spec, *path)
        for key, value in values.items():
            if value is None:
                node.pop(key, None)
            else:
                node[key] = value

    return change


def bump_major(spec: Spec) -> None:
    major = int(str(spec["info"]["version"]).split(".")[0])
    spec["info"]["version"] = f"{major + 1}.0.0"


REQUEST = "narrows what a request may carry"
RESPONSE = "widens a response beyond what the generated clients parse"
EVENT = "widens an event payload beyond what consumers' generated models accept"
USER_ID_PATHS = (
    "DELETE /users/{user_id} path.user_id, GET /users/{user_id} path.user_id, "
    "PATCH /users/{user_id} path.user_id, POST /events/replay body.user_id"
)
EVENT_USER = "GET /events/user.created 200 body.user{0}, GET /events/user.deleted 200 body.user{0}, GET /events/user.updated 200 body.user{0}"

RULES = [
    Rule(
        "request maxLength",
        "business.yaml",
        breaks=setting("schemas", "Username", maxLength=20),
        passes=setting("schemas", "Username", maxLength=40),
        listed=f"components.schemas.Username maxLength 32 -> 20 {REQUEST} (PATCH /users/me body.username, POST /auth/register body.username)",
    ),
    Rule(
        "request minLength",
        "business.yaml",
        breaks=setting("schemas", "Password", minLength=12),
        passes=setting("schemas", "Password", minLength=6),
        listed=f"components.schemas.Password minLength 8 -> 12 {REQUEST} (POST /auth/register body.password, POST /users/me/password body.new_password)",
    ),
    Rule(
        "request maximum",
        "business.yaml",
        breaks=setting("parameters", "Limit", "schema", maximum=50),
        passes=setting("parameters", "Limit", "schema", maximum=200),
        listed=f"components.parameters.Limit.schema maximum 100 -> 50 {REQUEST} (GET /users query.limit)",
    ),
    Rule(
        "request minimum",
        "business.yaml",
        breaks=setting("schemas", "UserIdValue", minimum=2),
        passes=setting("schemas", "UserIdValue", minimum=0),
        listed=f"components.schemas.UserIdValue minimum 1 -> 2 {REQUEST} ({USER_ID_PATHS})",
    ),
    Rule(
        "request exclusiveMaximum",
        "business.yaml",
        breaks=setting("parameters", "Limit", "schema", maximum=None, exclusiveMaximum=100),
        passes=setting("parameters", "Limit", "schema", maximum=None, exclusiveMaximum=101),
        listed=f"components.parameters.Limit.schema maximum 100 -> 100 (exclusive) {REQUEST} (GET /users query.limit)",
    ),
    Rule(
        "request exclusiveMinimum",
        "business.yaml",
        breaks=setting("parameters", "Offset", "schema", minimum=None, exclusiveMinimum=0),
        passes=setting("parameters", "Offset", "schema", minimum=None, exclusiveMinimum=-1),
        listed=f"components.parameters.Offset.schema minimum 0 -> 0 (exclusive) {REQUEST} (GET /users query.offset)",
    ),
    Rule(
        "request multipleOf",
        "business.yaml",
        base=setting("parameters", "Offset", "schema", multipleOf=10),
        breaks=setting("parameters", "Limit", "schema", multipleOf=10),
        passes=setting("parameters", "Offset", "schema", multipleOf=5),
        listed=f"components.parameters.Limit.schema multipleOf (none) -> 10 {REQUEST} (GET /users query.limit)",
    ),
    Rule(
        "request pattern",
        "business.yaml",
        breaks=setting("schemas", "Username", pattern="^[a-z0-9._-]+$"),
        passes=setting("schemas", "Username", pattern=None),
        listed=f"components.schemas.Username pattern '^[A-Za-z0-9._-]+$' -> '^[a-z0-9._-]+$' {REQUEST}",
    ),
    Rule(
        "request format",
        "business.yaml",
        breaks=setting("schemas", "UserIdValue", format="int32"),
        # int64 is no format the generated clients parse, so the response side does not mind either.
        passes=setting("schemas", "UserIdValue", format=None),
        listed=f"components.schemas.UserIdValue format 'int64' -> 'int32' {REQUEST} ({USER_ID_PATHS})",
    ),
    Rule(
        "request maxItems",
        "data.yaml",
        breaks=setting("schemas", "OutboxAck", "properties", "event_ids", maxItems=100),
        passes=setting("schemas", "OutboxAck", "properties", "event_ids", maxItems=1000),
        listed=f"components.schemas.OutboxAck.properties.event_ids maxItems 500 -> 100 {REQUEST} (POST /outbox/ack body.event_ids)",
    ),
    Rule(
        "request minItems",
        "data.yaml",
        breaks=setting("schemas", "OutboxAck", "properties", "event_ids", minItems=2),
        passes=setting("schemas", "OutboxAck", "properties", "event_ids", minItems=None),
        listed=f"components.schemas.OutboxAck.properties.event_ids minItems 1 -> 2 {REQUEST} (POST /outbox/ack body.event_ids)",
    ),
    Rule(
        "request uniqueItems",
        "data.yaml",
        base=setting("schemas", "OutboxAck", "properties", "event_ids", uniqueItems=False),
        breaks=setting("schemas", "OutboxAck", "properties", "event_ids", uniqueItems=True),
        passes=setting("schemas", "OutboxAck", "properties", "event_ids", uniqueItems=None),
        listed=f"components.schemas.OutboxAck.properties.event_ids uniqueItems false -> true {REQUEST} (POST /outbox/ack body.event_ids)",
    ),
    Rule(
        "request additionalProperties",
        "business.yaml",
        breaks=setting("schemas", "TokenRequest", additionalProperties=False),
        passes=setting("schemas", "RegisterRequest", additionalProperties=None),
        listed=f"components.schemas.TokenRequest additionalProperties (none) -> false {REQUEST} (POST /auth/token body)",
    ),
    Rule(
        "request property removed from a closed body",
        "business.yaml",
        breaks=lambda spec: schemas(spec)["ProfileUpdate"]["properties"].pop("full_name"),
        passes=setting("schemas", "ProfileUpdate", "properties", nickname={"type": "string"}),
        listed=f"components.schemas.ProfileUpdate properties -full_name under additionalProperties: false {REQUEST} (PATCH /users/me body)",
    ),
    Rule(
        "response format",
        "business.yaml",
        breaks=setting("schemas", "UserPublic", "properties", "created_at", format=None),
        passes=setting("schemas", "Problem", "properties", "instance", format="uri-reference"),
        listed=f"components.schemas.UserPublic.properties.created_at format 'date-time' -> (none) {RESPONSE} (GET /users 200 body.items[].created_at, GET /users/me 200 body.created_at",
    ),
    Rule(
        "event maxLength",
        "events.yaml",
        breaks=setting("schemas", "EventUser", "properties", "username", maxLength=40),
        passes=setting("schemas", "EventUser", "properties", "username", maxLength=20),
        listed=f"components.schemas.EventUser.properties.username maxLength 32 -> 40 {EVENT} ({EVENT_USER.format('.username')})",
    ),
    Rule(
        "event property added to a closed payload",
        "events.yaml",
        base=setting("schemas", "UserCreatedEvent", additionalProperties=None),
        breaks=setting("schemas", "EventUser", "properties", nickname={"type": "string"}),
        passes=setting("schemas", "UserCreatedEvent", "properties", source={"type": "string"}),
        listed=f"components.schemas.EventUser properties +nickname under additionalProperties: false {EVENT} ({EVENT_USER.format('')})",
    ),
    Rule(
        "event enum inside an array",
        "events.yaml",
        breaks=setting(
            "schemas",
            "UserUpdatedEvent",
            "properties",
            "changed",
            "items",
            enum=["email", "username", "password", "full_name", "role", "is_active", "nickname"],
        ),
        passes=setting(
            "schemas",
            "UserUpdatedEvent",
            "properties",
            "changed",
            "items",
            enum=["email", "username", "password"],
        ),
        listed=f"components.schemas.UserUpdatedEvent.properties.changed.items enum +'nickname' {EVENT} (GET /events/user.updated 200 body.changed[])",
    ),
]


def contract(name: str) -> Spec:
    """A fresh copy of openapi/`name`, parsed, as the repositories above hold it."""
    return copy.deepcopy(_parsed_contract(name))


@cache
def _parsed_contract(name: str) -> Spec:
    text = (contract_check.ROOT / "openapi" / name).read_text()
    parsed: Spec = yaml.safe_load(text)
    if name == "business.yaml":
        parsed["info"]["version"] = "1.0.0"
    return parsed


def changed(spec: Spec, *changes: Callable[[Spec], None]) -> Spec:
    edited = copy.deepcopy(spec)
    for change in changes:
        change(edited)
    return edited


def constraint_verdict(name: str, base: Spec, head: Spec) -> contract_check.Verdict:
    """The check's verdict on `base` -> `head` from tools/constraints' findings alone (Optic's
    own rules are proven by the end-to-end tests above)."""
    lines = contract_check.constraint_lines(base, head)
    return contract_check.judge(name, base["info"]["version"], head["info"]["version"], lines)


def listed(verdict: contract_check.Verdict, line: str) -> bool:
    return any(line in shown for shown in verdict.breaking)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_a_constraint_rule_fails_its_break_accepts_it_with_a_major_bump_and_passes_the_opposite(
    rule: Rule,
) -> None:
    base = changed(contract(rule.contract), *([rule.base] if rule.base else []))

    broken = constraint_verdict(rule.contract, base, changed(base, rule.breaks))
    assert broken.failed, broken
    assert broken.message.startswith("breaking changes without a major bump"), broken
    assert listed(broken, rule.listed), broken.breaking

    bumped = constraint_verdict(rule.contract, base, changed(base, rule.breaks, bump_major))
    assert not bumped.failed, bumped
    assert "is a major bump" in bumped.message
    assert listed(bumped, rule.listed), bumped.breaking  # still listed

    harmless = constraint_verdict(rule.contract, base, changed(base, rule.passes))
    assert not harmless.failed, harmless
    assert harmless.message.startswith("changed, no breaking change"), harmless


def edited_places(before: Any, after: Any, at: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The places (key paths) where `after` differs from `before`."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: set[tuple[str, ...]] = set()
        for key in before.keys() | after.keys():
            found |= edited_places(before.get(key), after.get(key), (*at, str(key)))
        return found
    return set() if before == after else {at}


def batches(side: Callable[[Rule], Callable[[Spec], None]]) -> list[list[Rule]]:
    """The rules in as few groups as keep each group's edits (its bases, and the `side` of
    each rule) apart: a group's sides applied together still say what each says alone."""
    found: list[tuple[list[Rule], set[tuple[str, ...]]]] = []
    for rule in RULES:
        original = contract(rule.contract)
        base = changed(original, *([rule.base] if rule.base else []))
        places = {
            (rule.contract, *place)
            for place in edited_places(original, base) | edited_places(base, changed(base, side(rule)))
        }
        for rules, taken in found:
            if not places & taken:
                rules.append(rule)
                taken.update(places)
                break
        else:
            found.append(([rule], places))
    return [rules for rules, _ in found]


def repo_with_sides(target: Path, rules: list[Rule], side: Callable[[Rule], Callable[[Spec], None]]) -> Path:
    """A repository whose main branch holds the contracts with the rules' bases, and whose
    working tree has the `side` of each rule on top."""
    repo = new_repo(target)
    bases = [(rule.contract, rule.base) for rule in rules if rule.base is not None]
    for name, base in bases:
        edit(repo, name, base)
    if bases:
        git(repo, "commit", "--quiet", "--all", "-m", "keywords the contracts lack")
    for rule in rules:
        edit(repo, rule.contract, side(rule))
    return repo


def test_the_break_of_every_constraint_rule_fails_the_whole_check(
    tmp_path: Path, optic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through `make contract-check`'s code, Optic included, a group of rules a run: the
    check fails each contract a break was made in, and its report names each break."""
    groups = batches(lambda rule: rule.breaks)
    assert sum(map(len, groups)) == len(RULES)
    for number, rules in enumerate(groups):
        repo = repo_with_sides(tmp_path / f"breaks-{number}", rules, lambda rule: rule.breaks)
        code, output = run(repo, capsys)
        assert code == 1, output
        for rule in rules:
            assert f"FAIL openapi/{rule.contract}: breaking changes without a major bump" in output
            report = repo / "reports" / "contract-check" / f"{Path(rule.contract).stem}.txt"
            assert rule.listed in report.read_text(), f"{rule.id}:\n{report.read_text()}"


def test_the_harmless_side_of_every_constraint_rule_passes_the_whole_check(
    tmp_path: Path, optic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through `make contract-check`'s code, Optic included, a group of rules a run: neither
    finds anything breaking in the harmless sides of the rules."""
    groups = batches(lambda rule: rule.passes)
    assert sum(map(len, groups)) == len(RULES)
    for number, rules in enumerate(groups):
        repo = repo_with_sides(tmp_path / f"passes-{number}", rules, lambda rule: rule.passes)
        code, output = run(repo, capsys)
        assert code == 0, f"{[rule.id for rule in rules]}:\n{output}"
        for rule in rules:
            assert f"openapi/{rule.contract}: changed, no breaking change" in output, output


def test_a_committed_narrowed_username_fails_against_the_commit_before(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's example, as a new user would try it: commit, then BASE=<the commit before>."""
    edit(repo, "business.yaml", setting("schemas", "Username", maxLength=20))
    git(repo, "commit", "--quiet", "--all", "-m", "shorter usernames")
    code, output = run(repo, capsys, base="HEAD~1")
    assert code == 1, output
    assert "components.schemas.Username maxLength 32 -> 20 narrows what a request may carry" in output

    edit(repo, "business.yaml", lambda spec: spec["info"].update(version="2.0.0"))
    git(repo, "commit", "--quiet", "--all", "-m", "shorter usernames are a new major")
    code, output = run(repo, capsys, base="HEAD~2")
    assert code == 0, output
    assert "breaking changes accepted: info.version 1.0.0 -> 2.0.0 is a major bump" in output
    assert "components.schemas.Username maxLength 32 -> 20 narrows what a request may carry" in output


def test_a_longer_limit_in_a_response_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The generated clients check no length or bound of what they read: more room in a
    response breaks none of them."""
    edit(repo, "business.yaml", setting("schemas", "UserPage", "properties", "items", maxItems=500))
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "openapi/business.yaml: changed, no breaking change" in output


# The comparisons themselves, on small documents: cases no contract of ours has yet.


def one_body(schema: Spec, *, response: bool = False) -> Spec:
    """A document whose one operation carries `schema` as its request or its response body."""
    content = {"content": {"application/json": {"schema": schema}}}
    operation: Spec = {"responses": {"200": {"description": "ok", **content}}} if response else {}
    if not response:
        operation = {"requestBody": content, "responses": {"204": {"description": "ok"}}}
    return {"openapi": "3.1.0", "paths": {"/things": {"post": operation}}, "components": {"schemas": {}}}


def findings(base: Spec, head: Spec, reader: constraints.Reader = constraints.HTTP_CLIENT) -> list[str]:
    return [str(finding) for finding in constraints.breaking_changes(base, head, responses=reader)]


@pytest.mark.parametrize(
    ("before", "after", "breaks"),
    [
        ({"multipleOf": 0.1}, {"multipleOf": 0.3}, True),  # 0.1 was allowed
        ({"multipleOf": 0.3}, {"multipleOf": 0.1}, False),  # every multiple of 0.3 is one of 0.1
        ({"maximum": 5, "exclusiveMaximum": True}, {"maximum": 5}, False),  # OpenAPI 3.0's form
        ({"maximum": 5}, {"maximum": 5, "exclusiveMaximum": True}, True),
        ({"maximum": 10}, {"maximum": 10, "exclusiveMaximum": 20}, False),  # the tighter bound decides
        ({"minLength": 0}, {}, False),  # absent is 0
        ({"format": "uuid"}, {"format": "uuid"}, False),
    ],
)
def test_a_request_keyword_change_is_judged_by_what_it_refuses(
    before: Spec, after: Spec, *, breaks: bool
) -> None:
    base, head = one_body({"type": "number", **before}), one_body({"type": "number", **after})
    assert bool(findings(base, head)) is breaks


def test_a_response_is_judged_by_its_reader() -> None:
    base = one_body({"type": "string", "maxLength": 10, "format": "email"}, response=True)
    head = one_body({"type": "string", "maxLength": 20}, response=True)
    # openapi-python-client reads an email as a plain string and checks no length...
    assert findings(base, head, constraints.HTTP_CLIENT) == []
    # ...Pydantic checks both.
    assert findings(base, head, constraints.EVENT_CONSUMER) == [
        "paths./things.post.responses.200.content.application/json.schema format 'email' -> (none) "
        "widens an event payload beyond what consumers' generated models accept (POST /things 200 body)",
        "paths./things.post.responses.200.content.application/json.schema maxLength 10 -> 20 "
        "widens an event payload beyond what consumers' generated models accept (POST /things 200 body)",
    ]


def test_a_recursive_schema_is_compared_once_per_place() -> None:
    def tree(max_length: int) -> Spec:
        spec = one_body({"$ref": "#/components/schemas/Node"})
        spec["components"]["schemas"]["Node"] = {
            "type": "object",
            "properties": {
                "name": {"type": "string", "maxLength": max_length},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            },
        }
        return spec

    assert findings(tree(10), tree(5)) == [
        "components.schemas.Node.properties.name maxLength 10 -> 5 narrows what a request may carry "
        "(POST /things body.name)"
    ]


def test_a_reference_outside_the_document_is_refused_with_its_place() -> None:
    spec = one_body({"$ref": "other.yaml#/Username"})
    with pytest.raises(constraints.UnresolvableReference, match=re.escape("other.yaml#/Username")):
        findings(spec, spec)
