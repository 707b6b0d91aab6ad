"""The business service's configuration, read from the environment (no prefix)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_kit.secrets import DEV_JWT_SECRET, DEV_SERVICE_TOKEN, refuse_in_production

DEFAULT_JWT_SECRET = DEV_JWT_SECRET
DEFAULT_SERVICE_TOKEN = DEV_SERVICE_TOKEN


class BusinessSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    data_service_url: str = Field("http://127.0.0.1:8001", description="Base URL of the data service.")
    service_token: str = Field(DEFAULT_SERVICE_TOKEN, description="Bearer token the data service accepts.")
    jwt_secret: str = Field(DEFAULT_JWT_SECRET, description="HMAC key that signs the access tokens.")
    jwt_algorithm: Literal["HS256"] = Field("HS256", description="The only algorithm tokens may use.")
    jwt_ttl_seconds: int = Field(3600, ge=1, description="Lifetime of an access token, in seconds.")
    environment: Literal["development", "production"] = Field(
        "development", description="In production the default secrets are refused."
    )
    redis_url: str | None = Field(
        None, description="Redis for the user cache and login limits; unset: an in-process cache."
    )
    cache_ttl_seconds: int = Field(
        300, ge=0, description="How long a cached user lives, in seconds; 0 turns the user cache off."
    )
    near_cache: bool = Field(
        default=True,
        description="Keep recently read users in process too, in front of Redis (only with REDIS_URL and a user cache), coherent through a Redis invalidation channel.",
    )
    near_cache_size: int = Field(10_000, ge=1, description="Users the near cache holds at most (LRU).")
    near_cache_liveness_seconds: float = Field(
        1.0,
        gt=0,
        description="The near cache answers only while its invalidation channel was heard from within this many seconds: the staleness bound when that connection hangs silently.",
    )
    rabbitmq_url: str | None = Field(
        None, description="RabbitMQ for the user events; unset: events wait in the outbox."
    )
    events_exchange: str = Field("users.events", description="The durable topic exchange of user events.")
    relay_interval_seconds: float = Field(1.0, gt=0, description="Pause between outbox relay passes.")
    relay_batch_size: int = Field(100, ge=1, le=500, description="Events claimed per relay pass.")
    relay_lease_seconds: int = Field(30, ge=1, le=3600, description="Lease on claimed outbox events.")
    data_ca_file: str | None = Field(
        None,
        description="PEM file of the CAs that sign the data service's certificate (an https DATA_SERVICE_URL); unset: the system's CAs.",
    )
    data_client_cert_file: str | None = Field(
        None,
        description="PEM certificate (and key, unless DATA_CLIENT_KEY_FILE) this service presents to the data service.",
    )
    data_client_key_file: str | None = Field(None, description="PEM key of DATA_CLIENT_CERT_FILE.")
    data_connect_timeout: float = Field(2.0, gt=0, description="Connect timeout to the data service (s).")
    data_read_timeout: float = Field(5.0, gt=0, description="Read timeout of data service calls (s).")
    data_retry_attempts: int = Field(3, ge=1, description="Attempts of an idempotent data service call.")
    read_gathering: bool = Field(
        True,
        description=(
            "Gather the reads of users asked for at the same moment into one call: one Redis MGET, "
            "one data service POST /users/lookup."
        ),
    )
    data_breaker_failures: int = Field(
        5,
        ge=1,
        description="Consecutive failed data service calls (transport errors, 503s) that open the circuit.",
    )
    data_breaker_pause_seconds: float = Field(
        5.0, gt=0, description="How long an open circuit refuses data service calls before one trial call."
    )
    admin_username: str | None = Field(None, description="First admin's username (with email, password).")
    admin_email: str | None = Field(None, description="First admin's email.")
    admin_password: str | None = Field(None, description="First admin's password.")
    max_body_bytes: int = Field(65536, ge=1, description="Largest request body accepted, in bytes.")
    login_max_failures: int = Field(
        10, ge=1, description="Failed logins per username, and x5 per address, in one window."
    )
    login_window_seconds: int = Field(300, ge=1, description="Window of the login limits, in seconds.")
    rate_limit_per_minute: int = Field(
        600,
        ge=0,
        description="Requests per caller (user, or address when anonymous) in each minute; then 429. 0 turns it off.",
    )
    strict_statuses: bool = Field(
        default=False,
        description="Answer 500 when an operation answers an error status its contract does not declare (the tests set it); otherwise that is only logged.",
    )
    log_level: str = Field("INFO", description="Log level.")
    log_format: Literal["console", "json"] = Field("console", description="Log line format.")

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Self:
        if self.environment == "production":
            refuse_in_production(
                [
                    ("JWT_SECRET", self.jwt_secret, DEFAULT_JWT_SECRET),
                    ("SERVICE_TOKEN", self.service_token, DEFAULT_SERVICE_TOKEN),
                ]
            )
        return self

    @model_validator(mode="after")
    def _client_key_needs_its_certificate(self) -> Self:
        if self.data_client_key_file and not self.data_client_cert_file:
            raise ValueError("DATA_CLIENT_KEY_FILE is set without DATA_CLIENT_CERT_FILE.")
        return self

    @property
    def admin_bootstrap(self) -> tuple[str, str, str] | None:
        """(username, email, password) of the first admin, when all three are set."""
        if self.admin_username and self.admin_email and self.admin_password:
            return self.admin_username, self.admin_email, self.admin_password
        return None
