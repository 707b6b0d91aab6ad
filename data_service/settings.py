"""The data service's configuration, read from environment variables (no prefix)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_kit.secrets import DEV_SERVICE_TOKEN, refuse_in_production

DEFAULT_SERVICE_TOKEN = DEV_SERVICE_TOKEN


class DataSettings(BaseSettings):
    """Everything the data service reads from its environment."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy asyncpg URL of PostgreSQL; unset starts the embedded PostgreSQL.",
    )
    service_token: str = Field(
        default=DEFAULT_SERVICE_TOKEN,
        min_length=1,
        description="Bearer token the business service sends; refused in production if it is the default or shorter than 32 bytes.",
    )
    environment: Literal["development", "production"] = Field(
        default="development", description="Where the service runs; production refuses unsafe defaults."
    )
    db_pool_size: int = Field(default=20, ge=1, description="Connections the pool keeps open.")
    # Overflow connections are closed as soon as they are returned: under steady load above
    # the pool size that is a new PostgreSQL connection per request (a third of the data
    # service's throughput at 32 connections under `make bench`). Size the pool instead.
    db_max_overflow: int = Field(
        default=0, ge=0, description="Connections opened beyond the pool for a burst, closed after use."
    )
    db_pool_timeout: float = Field(
        default=5, gt=0, description="Seconds to wait for a free pooled connection before answering 503."
    )
    db_connect_timeout: float = Field(
        default=3, gt=0, description="Seconds to wait for a new database connection."
    )
    db_command_timeout: float = Field(default=10, gt=0, description="Seconds one SQL statement may take.")
    max_body_bytes: int = Field(default=65536, ge=1, description="Largest request body accepted (413 above).")
    event_retention_days: int = Field(
        default=30,
        ge=1,
        description="Published outbox events older than this many days are pruned, and replaying them is refused (410); pending events are never pruned.",
    )
    event_prune_interval_seconds: float = Field(
        default=300, gt=0, description="Pause between pruning passes over the published outbox events."
    )
    event_prune_batch_size: int = Field(
        default=500,
        ge=1,
        le=10000,
        description="Events deleted per pruning transaction (a pass runs batches until none is left).",
    )
    strict_statuses: bool = Field(
        default=False,
        description="Answer 500 when an operation answers an error status its contract does not declare (the tests set it); otherwise that is only logged.",
    )
    log_level: str = Field(default="INFO", description="Standard logging level name.")
    log_format: Literal["console", "json"] = Field(
        default="console", description="Readable lines (console) or JSON lines (json)."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Self:
        if self.environment == "production":
            refuse_in_production([("SERVICE_TOKEN", self.service_token, DEFAULT_SERVICE_TOKEN)])
        return self
