"""`make contract-check`: breaking contract changes fail unless info.version gets a new major.

Each test edits a copy of openapi/ in a temporary git repository whose main branch holds
the real contracts, and runs the check (the pinned Optic) against that branch.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import infra
from tools import contract_check

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


@pytest.fixture(scope="module")
def optic() -> Path:
    """Installed once, before the tests time themselves (a first `npm ci` takes a minute)."""
    try:
        return contract_check.ensure_optic()
    except contract_check.ContractCheckError as error:
        infra.missing("Optic", str(error))
        raise


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
