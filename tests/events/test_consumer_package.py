"""The consumer package as another team gets it: the wheel `make dist` builds, installed
into a fresh virtual environment, running the README's consumer example.

The install is the pinned uv's `uv pip install`, from its cache: pip itself fetched the
dependencies (aio-pika, pydantic, redis) from the index in about two minutes on this
machine; the wheel is the same standard wheel either way."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.contract.test_dist import UV, built_wheel, run
from tests.events.conftest import Broker, created_event
from tests.events.test_readme_consumer_example import run_consumer_example
from tests.infra import ROOT

PACKAGE = ROOT / "generated" / "user-events-consumer"


def test_make_dist_builds_the_consumer_package() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "$(UV) build --quiet --out-dir dist generated/user-events-consumer" in makefile


async def test_the_consumer_wheel_works_in_a_fresh_environment(
    tmp_path: Path, broker: Broker, store_redis_url: str
) -> None:
    wheel, version = built_wheel(tmp_path, PACKAGE, distribution="user_events_consumer", contract="events")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run([UV, "pip", "install", "--quiet", "--python", python, wheel])

    # Outside the repository and without its environment, so only the installed wheel can answer.
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    probe = (
        "import importlib.metadata as m, user_events_consumer as c; "
        "print(m.version('user-events-consumer'), c.contract.CONTRACT_VERSION, c.__file__)"
    )
    installed, contract_version, location = run([python, "-c", probe], cwd=tmp_path, env=env).stdout.split()
    assert installed == contract_version == version
    assert Path(location).is_relative_to(venv)

    await broker.publish(created_event(7))
    await broker.publish(created_event(8))
    output = run_consumer_example(python, broker, store_redis_url, cwd=tmp_path, env=env)
    assert "user.created: user7 (id 7)" in output
