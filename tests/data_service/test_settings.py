"""Settings come from the environment and refuse the default token in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from data_service.settings import DataSettings
from service_kit.secrets import DEV_SERVICE_TOKEN
from tests import infra


@pytest.fixture(autouse=True)
def _only_what_the_test_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    infra.forget_settings_environment(monkeypatch, DataSettings)


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SERVICE_TOKEN", "ENVIRONMENT", "DB_POOL_SIZE"):
        monkeypatch.delenv(name, raising=False)
    settings = DataSettings()
    assert (settings.database_url, settings.service_token, settings.environment) == (
        None,
        DEV_SERVICE_TOKEN,
        "development",
    )
    assert (settings.db_pool_size, settings.db_max_overflow) == (20, 0)
    assert (settings.max_body_bytes, settings.log_format) == (65536, "console")
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    assert (DataSettings().db_pool_size, DataSettings().database_url) == (3, "postgresql+asyncpg://u@h/db")


def test_production_refuses_the_default_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERVICE_TOKEN", raising=False)
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="SERVICE_TOKEN"):
        DataSettings()
    monkeypatch.setenv("SERVICE_TOKEN", "a-real-but-short-secret")
    with pytest.raises(ValidationError, match="SERVICE_TOKEN has 23 bytes, fewer than the 32"):
        DataSettings()
    monkeypatch.setenv("SERVICE_TOKEN", "s" * 32)
    assert DataSettings().environment == "production"
