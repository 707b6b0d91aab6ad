"""Fixtures every test package shares: the real servers and the strict mode of CI."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from data_service.migrate import upgrade_to_head
from tests import infra

# Every app the tests build or start answers 500 when an operation answers an error status
# its contract does not declare, so that the test (or the fuzzer) fails on it.
os.environ.setdefault("STRICT_STATUSES", "true")


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    return infra.postgres_server_url()


@pytest.fixture(scope="session")
async def migrated_database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A database made for this test session and migrated to head with Alembic."""
    url = await infra.create_database(postgres_server_url)
    await upgrade_to_head(url)
    yield url
    await infra.drop_database(postgres_server_url, url)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return infra.require_redis()


@pytest.fixture(scope="session")
def cache_url() -> str | None:
    """For tests whose claim is not about Redis: Redis when it answers, else the in-process cache."""
    return infra.cache_url()


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    return infra.require_rabbitmq()


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In strict mode (REQUIRE_SERVICES=1, set by .ci/run) a skip anywhere fails the run."""
    if infra.STRICT and _skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if infra.STRICT and _skipped:
        terminalreporter.write_line(
            f"REQUIRE_SERVICES=1: {len(_skipped)} test(s) skipped, which fails the run", red=True
        )
