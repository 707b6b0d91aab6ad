"""Fixtures every test package shares: the real servers and the strict mode of CI."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from data_service.migrate import upgrade_to_head
from tests import infra
from tests.fuzz import gate

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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--phase",
        choices=("parallel", "serial"),
        help="`make pytest` runs the suite in two phases: parallel (every test not marked serial, "
        "under -n) and then serial (only those, alone)",
    )


def _serial(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in ("serial", "broker_restart"))


def pytest_configure(config: pytest.Config) -> None:
    workers = getattr(config.option, "numprocesses", None)
    if workers and config.getoption("phase") != "parallel":
        raise pytest.UsageError(
            "tests marked serial must not run beside others: with -n, pass --phase=parallel, "
            "then run --phase=serial without -n (as `make pytest` does)"
        )


# The slowest tests first, so that none is left for one worker at the end while the others
# wait (`--durations` of whole runs); the rest keeps pytest's order. `make pytest` hands
# them out in this order (--dist loadgroup --no-loadscope-reorder): each worker gets one,
# then a second, then one more each time it finishes one, so the test after the first four
# waits behind the longest: a shorter one.
_SLOW_FIRST = (
    "tests/fuzz/test_schemathesis.py::test_business_api_as_admin_user_and_anonymous",
    "tests/fuzz/test_schemathesis.py::test_data_api_without_a_token",
    "tests/fuzz/test_schemathesis.py::test_data_api_with_the_service_token",
    "tests/fuzz/",
    "tests/contract/test_additive_change.py",
    "tests/contract/test_spec_edit_loop.py",
    "tests/contract/test_generation.py",
    "tests/contract/test_contract_check.py",
    "tests/data_service/test_make_migration.py",
    "tests/contract/test_make_dev.py",
    "tests/contract/test_dist.py",
    "tests/events/test_consumer_package.py",
    "tests/contract/test_production.py",
    "tests/faults/",
)


def _rank(item: pytest.Item) -> int:
    for rank, prefix in enumerate(_SLOW_FIRST):
        if item.nodeid.startswith(prefix):
            return rank
    return len(_SLOW_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    phase = config.getoption("phase")
    if phase is None:
        return
    keep = [item for item in items if _serial(item) == (phase == "serial")]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        config.stash[_phase_left_out] = True
        if hasattr(config, "workeroutput"):  # an xdist worker: tell the controller
            config.workeroutput["phase_left_out"] = True
    if phase == "parallel":
        keep.sort(key=_rank)  # stable: pytest's order within each rank
    items[:] = keep


_phase_left_out = pytest.StashKey[bool]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist's controller: whether a worker left tests out for the other phase."""
    if getattr(node, "workeroutput", {}).get("phase_left_out"):
        node.config.stash[_phase_left_out] = True


_skipped: list[str] = []
_summary: list[str] = []  # the fuzz gate's coverage lines, for the terminal summary


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """The coverage lines a test recorded travel in its report: under xdist the terminal
    summary is the controller's, and only reports reach it."""
    report = yield
    if call.when == "call" and gate.COVERAGE_LINES:
        report.user_properties.extend(("summary", line) for line in gate.COVERAGE_LINES)
        gate.COVERAGE_LINES.clear()
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)
    if report.when == "call":
        _summary.extend(str(value) for name, value in report.user_properties if name == "summary")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In strict mode (REQUIRE_SERVICES=1, set by .ci/run) a skip anywhere fails the run.

    Under xdist this runs in every worker and in the controller, which hears every worker's
    reports (pytest_runtest_logreport), and whose status is the run's."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.config.stash.get(_phase_left_out, False):
        # Everything selected belongs to the other phase (`make pytest PYTEST_ARGS=tests/fuzz`).
        session.exitstatus = exitstatus = pytest.ExitCode.OK
    if infra.STRICT and _skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _summary:
        terminalreporter.write_line(line)
    if infra.STRICT and _skipped:
        terminalreporter.write_line(
            f"REQUIRE_SERVICES=1: {len(_skipped)} test(s) skipped, which fails the run", red=True
        )
