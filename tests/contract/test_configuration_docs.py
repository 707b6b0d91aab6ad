"""docs/configuration.md lists every setting of both services, with its default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from business_service.settings import BusinessSettings
from data_service.settings import DataSettings

CONFIGURATION = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def _table(heading: str) -> dict[str, str]:
    """Variable -> the default column, from the table under `## {heading}`."""
    section = CONFIGURATION.read_text().split(f"\n## {heading}", 1)[1].split("\n#", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        for name in re.findall(r"`([A-Z0-9_]+)`", cells[0]):
            rows[name] = cells[1]
    return rows


@pytest.mark.parametrize(
    ("heading", "settings"),
    [("Data service", DataSettings), ("Business service", BusinessSettings)],
)
def test_every_setting_is_documented_with_its_default(heading: str, settings: type[BaseSettings]) -> None:
    documented = _table(heading)
    fields = {name.upper(): field for name, field in settings.model_fields.items()}
    assert sorted(documented) == sorted(fields), "docs/configuration.md and settings list different variables"
    for name, field in fields.items():
        if field.default is None:
            assert documented[name].startswith("unset"), name
        else:
            assert documented[name] == f"`{field.default}`", name
