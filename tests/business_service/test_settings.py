from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from business_service.settings import BusinessSettings
from service_kit.logging import configure_logging
from tests import infra


@pytest.fixture(autouse=True)
def _only_what_the_test_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    infra.forget_settings_environment(monkeypatch, BusinessSettings)


def test_development_secrets_are_long_enough_for_hs256() -> None:
    settings = BusinessSettings(environment="development")
    assert len(settings.jwt_secret.encode()) >= 32
    assert len(settings.service_token.encode()) >= 32


def test_production_refuses_short_secrets_saying_why() -> None:
    with pytest.raises(ValidationError, match=r"JWT_SECRET has 31 bytes, fewer than the 32 .*RFC 7518"):
        BusinessSettings(environment="production", jwt_secret="j" * 31, service_token="s" * 32)
    with pytest.raises(ValidationError, match="SERVICE_TOKEN has 12 bytes"):
        BusinessSettings(environment="production", jwt_secret="j" * 32, service_token="short-secret")
    assert BusinessSettings(environment="production", jwt_secret="j" * 32, service_token="s" * 32)


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ValidationError, match=r"JWT_SECRET is the public development default.*SERVICE_TOKEN"):
        BusinessSettings(environment="production")
    with pytest.raises(ValidationError, match="SERVICE_TOKEN"):
        BusinessSettings(environment="production", jwt_secret="x" * 40)
    settings = BusinessSettings(environment="production", jwt_secret="x" * 40, service_token="y" * 40)
    assert settings.redis_url is None


def test_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_SERVICE_URL", "http://data:9000")
    monkeypatch.setenv("JWT_TTL_SECONDS", "60")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    settings = BusinessSettings()
    assert settings.data_service_url == "http://data:9000"
    assert settings.jwt_ttl_seconds == 60
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.admin_bootstrap is None


def test_only_hs256_is_accepted() -> None:
    with pytest.raises(ValidationError):
        BusinessSettings(jwt_algorithm="none")


def test_every_setting_is_described() -> None:
    assert all(field.description for field in BusinessSettings.model_fields.values())


def test_calls_to_the_data_service_are_not_logged_one_line_each() -> None:
    configure_logging(level="INFO")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("business_service.gateway").isEnabledFor(logging.INFO)
