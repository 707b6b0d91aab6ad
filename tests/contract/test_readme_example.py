"""The README's client example, run as written against live services."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.live import LiveService

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    match = re.search(r"<!-- readme-example:.*?-->\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "README.md lost its client example"
    return match.group(1)


def test_the_readme_client_example_works(live_business: LiveService) -> None:
    result = subprocess.run(
        [sys.executable, "-c", readme_example()],
        env={**os.environ, "BUSINESS_API_URL": live_business.url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"logged in as ada-[0-9a-f]{8} \(id \d+, role user\)", result.stdout)
