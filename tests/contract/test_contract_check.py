"""`make contract-check`: breaking contract changes fail unless info.version gets a new major.

Each test edits a copy of openapi/ in a temporary git repository whose main branch holds
the real contracts, and runs the check (the pinned Optic and tools/constraints) against
that branch.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import constraints, contract_check

Spec = dict[str, Any]


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


@pytest.fixture
def repo(tmp_path: Path, optic: Path) -> Path:
    shutil.copytree(contract_check.ROOT / "openapi", tmp_path / "openapi")
    # A known base version, whatever the real contract's is today.
    business = tmp_path / "openapi" / "business.yaml"
    business.write_text(
        re.sub(r"^  version: .+$", "  version: 1.0.0", business.read_text(), count=1, flags=re.M)
    )
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    git(tmp_path, "add", "openapi")
    git(tmp_path, "commit", "--quiet", "-m", "contracts")
    return tmp_path


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


def test_a_removed_operation_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "business.yaml", lambda spec: spec["paths"].pop("/users/stats"))
    code, output = run(repo, capsys)
    assert code == 1, output
    assert "FAIL openapi/business.yaml: breaking changes without a major bump" in output
    assert "x GET /users/stats: removed" in output
    assert "cannot remove an operation" in output
    assert (repo / "reports" / "contract-check" / "business.txt").exists()


def test_a_new_required_request_field_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def require_nickname(spec: Spec) -> None:
        register = schemas(spec)["RegisterRequest"]
        register["properties"]["nickname"] = {"type": "string", "maxLength": 40}
        register["required"].append("nickname")

    edit(repo, "business.yaml", require_nickname)
    code, output = run(repo, capsys)
    assert code == 1, output
    assert "cannot add a required request property 'nickname'" in output


def test_a_narrowed_enum_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "business.yaml", lambda spec: schemas(spec)["Role"].update(enum=["user"]))
    code, output = run(repo, capsys)
    assert code == 1, output
    assert "cannot remove enum option 'admin'" in output


def test_a_removed_status_code_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "business.yaml", lambda spec: spec["paths"]["/users/me"]["get"]["responses"].pop("401"))
    code, output = run(repo, capsys)
    assert code == 1, output
    assert "must not remove response status code 401" in output


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


def test_a_missing_base_ref_falls_back_to_head(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "business.yaml", lambda spec: spec["paths"].pop("/users/stats"))
    code, output = run(repo, capsys, base="no-such-branch")
    assert "base ref 'no-such-branch' does not exist here" in output
    assert "compared with HEAD" in output
    assert code == 1, output  # the uncommitted change is still checked


def test_outside_git_the_check_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(contract_check.ROOT / "openapi", tmp_path / "openapi")
    # A known base version, whatever the real contract's is today.
    business = tmp_path / "openapi" / "business.yaml"
    business.write_text(
        re.sub(r"^  version: .+$", "  version: 1.0.0", business.read_text(), count=1, flags=re.M)
    )
    code, output = run(tmp_path, capsys)
    assert code == 0
    assert "skipped" in output


# Constraint rules (tools/constraints): each proven three ways on its own repository.


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


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_a_constraint_rule_fails_its_break_accepts_it_with_a_major_bump_and_passes_the_opposite(
    rule: Rule, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if rule.base is not None:
        edit(repo, rule.contract, rule.base)
        git(repo, "commit", "--quiet", "--all", "-m", "a keyword the contract lacks")

    edit(repo, rule.contract, rule.breaks)
    code, output = run(repo, capsys)
    assert code == 1, output
    assert f"FAIL openapi/{rule.contract}: breaking changes without a major bump" in output
    assert rule.listed in output

    edit(repo, rule.contract, bump_major)
    code, output = run(repo, capsys)
    assert code == 0, output
    assert "is a major bump" in output
    assert rule.listed in output  # still listed

    git(repo, "checkout", "--", "openapi")
    edit(repo, rule.contract, rule.passes)
    code, output = run(repo, capsys)
    assert code == 0, output
    assert f"openapi/{rule.contract}: changed, no breaking change" in output


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
