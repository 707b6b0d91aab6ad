"""The README's consumer example, run as written against the real RabbitMQ and Redis."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.events.conftest import Broker, created_event

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_consumer_example() -> str:
    text = README.read_text()
    match = re.search(r"<!-- readme-consumer-example:.*?-->\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "README.md lost its consumer example"
    return match.group(1)


def run_consumer_example(
    python: Path | str,
    broker: Broker,
    redis_url: str,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run the example until it printed a line per event already published; its output."""
    settings = {
        **(env if env is not None else os.environ),
        "RABBITMQ_URL": broker.url,
        "EVENTS_EXCHANGE": broker.name,
        "REDIS_URL": redis_url,
    }
    process = subprocess.Popen(
        [str(python), "-c", readme_consumer_example()],
        cwd=cwd,
        env=settings,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while len(lines) < 2 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=15)
    assert len(lines) == 2, f"printed {lines}; stderr:\n{errors}"
    return "\n".join(lines)


async def test_the_readme_consumer_example_handles_each_event_once(
    broker: Broker, store_redis_url: str
) -> None:
    first, second = created_event(41), created_event(42)
    for event in (first, second, first):  # the copy is dropped
        await broker.publish(event)
    output = run_consumer_example(sys.executable, broker, store_redis_url)
    # Handled concurrently (the prefetch), so in either order.
    assert sorted(output.splitlines()) == ["user.created: user41 (id 41)", "user.created: user42 (id 42)"]
