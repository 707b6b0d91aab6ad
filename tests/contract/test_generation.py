"""The generation pipeline: deterministic, strict about invalid contracts, and a real round trip."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tools import generate


@pytest.fixture
def contracts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch copy of openapi/ that the generator reads instead of the real one."""
    copy = tmp_path / "openapi"
    shutil.copytree(generate.SPECS, copy)
    monkeypatch.setattr(generate, "SPECS", copy)
    return copy


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate.generate_into(tmp_path / "one")
    generate.generate_into(tmp_path / "two")
    assert generate.differences(tmp_path / "one", tmp_path / "two") == []
    # ... and equal to what is checked in, which is what `make generate` must reproduce.
    assert generate.differences(tmp_path / "one", generate.OUTPUT) == []


def test_a_new_optional_field_reaches_models_and_client(contracts: Path, tmp_path: Path) -> None:
    spec = contracts / "business.yaml"
    text = spec.read_text()
    anchor = "    UserPublic:\n      type: object\n      additionalProperties: false\n"
    assert anchor in text
    marker = (
        "      required: [id, email, username, full_name, role, is_active, version, created_at, updated_at]\n"
    )
    text = text.replace(
        anchor + marker + "      properties:\n",
        anchor
        + marker
        + "      properties:\n        nickname:\n          type: string\n          maxLength: 40\n",
    )
    spec.write_text(text)

    generate.validate_openapi(spec)
    generate.generate_into(tmp_path / "out")

    models = (tmp_path / "out" / "contract_models" / "business.py").read_text()
    client_model = (
        tmp_path / "out" / "business-api-client" / "business_api_client" / "models" / "user_public.py"
    )
    assert "nickname:" in models
    assert "nickname" in client_model.read_text()
    changed = generate.differences(tmp_path / "out", generate.OUTPUT)
    assert "contract_models/business.py" in changed
    assert "business-api-client/business_api_client/models/user_public.py" in changed


def test_an_invalid_contract_fails_with_the_validators_message(contracts: Path) -> None:
    spec = contracts / "data.yaml"
    spec.write_text(spec.read_text().replace("operationId: getUser\n", "operationId: 42\n", 1))
    with pytest.raises(generate.ContractError, match="not a valid OpenAPI document"):
        generate.validate_openapi(spec)


def test_project_conventions_are_enforced(contracts: Path) -> None:
    spec = contracts / "data.yaml"
    spec.write_text(spec.read_text().replace("      summary: Get a user by id\n", "", 1))
    with pytest.raises(generate.ContractError, match=re.escape("GET /users/{user_id}: no summary")):
        generate.validate_openapi(spec)


def test_an_invalid_events_contract_is_refused(contracts: Path) -> None:
    spec = contracts / "events.yaml"
    spec.write_text(spec.read_text().replace("action: send", "action: shout"))
    with pytest.raises(generate.ContractError, match=re.escape("not a valid AsyncAPI 3.0 document")):
        generate.validate_asyncapi(spec)


def test_client_versions_follow_the_contracts() -> None:
    for spec, project, _ in [*generate.CLIENTS, (generate.EVENTS, "user-events-consumer", "")]:
        version = yaml.safe_load((generate.SPECS / spec).read_text())["info"]["version"]
        pyproject = (generate.OUTPUT / project / "pyproject.toml").read_text()
        assert f'version = "{version}"' in pyproject
        assert (generate.OUTPUT / project / project.replace("-", "_") / "py.typed").exists()


def test_only_the_parts_of_a_changed_contract_are_made_anew(contracts: Path, tmp_path: Path) -> None:
    cache = generate.Cache(tmp_path / "cache")
    first = tmp_path / "first"
    generate.generate_into(first)
    for part in generate.parts():
        cache.remember(part.name, first / part.name, part.key())
    spec = contracts / "data.yaml"
    spec.write_text(spec.read_text().replace("description: Page size.\n", "description: At most 100.\n", 1))

    second = tmp_path / "second"
    made = generate.generate_into(second, reuse=first, cache=cache)
    assert sorted(made) == ["contract_models/data.py", "data-api-client"]
    full = tmp_path / "full"
    generate.generate_into(full)
    assert generate.differences(second, full) == []  # kept parts are the bytes a full run makes

    # A kept part edited by hand is not trusted: it is made anew.
    (second / "contract_models" / "events.py").write_text("# edited by hand\n")
    third = tmp_path / "third"
    assert "contract_models/events.py" in generate.generate_into(third, reuse=second, cache=cache)
    assert generate.differences(third, full) == []


def test_a_queue_the_consumer_runtime_does_not_implement_is_refused_naming_it(
    contracts: Path, tmp_path: Path
) -> None:
    spec = contracts / "events.yaml"
    document = yaml.safe_load(spec.read_text())
    document["channels"]["auditQueue"]["bindings"]["amqp"]["queue"]["exclusive"] = True
    spec.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(
        generate.ContractError, match=re.escape("channels.auditQueue: a queue must be durable")
    ):
        generate.make_consumer(tmp_path)


def test_the_consumer_package_carries_the_contracts_queues() -> None:
    contract = (generate.OUTPUT / "user-events-consumer" / "user_events_consumer" / "contract.py").read_text()
    assert "name='users.events.audit'" in contract.replace('"', "'")
    assert "'x-delivery-limit': 5" in contract.replace('"', "'")
    assert "QUEUES = (AUDIT_DEAD, AUDIT)" in contract
