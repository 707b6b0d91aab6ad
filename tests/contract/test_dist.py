"""The business client as another team gets it: a wheel (as `make dist` builds it), installed
with pip into a fresh virtual environment, running the README's example against the live
business service."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.contract.test_readme_example import readme_example
from tests.infra import ROOT
from tests.live import LiveService

UV = ROOT / ".cache" / "uv" / "bin" / "uv"  # the pinned uv that `make` installs
CLIENT = ROOT / "generated" / "business-api-client"


def run(
    command: list[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{' '.join(map(str, command))}:\n{result.stdout}{result.stderr}"
    return result


def built_wheel(tmp_path: Path, package: Path, *, distribution: str, contract: str) -> tuple[Path, str]:
    """The wheel of generated `package`, built as `make dist` builds it, and its version:
    openapi/`contract`.yaml's."""
    version = yaml.safe_load((ROOT / "openapi" / f"{contract}.yaml").read_text())["info"]["version"]
    assert UV.exists(), "the pinned uv is missing: run `make install`"
    run([UV, "build", "--quiet", "--wheel", "--out-dir", tmp_path / "dist", package])
    wheel = tmp_path / "dist" / f"{distribution}-{version}-py3-none-any.whl"
    assert wheel.exists(), sorted(p.name for p in (tmp_path / "dist").iterdir())
    return wheel, version


def test_the_client_wheel_works_in_a_fresh_environment(tmp_path: Path, live_business: LiveService) -> None:
    wheel, version = built_wheel(tmp_path, CLIENT, distribution="business_api_client", contract="business")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel])

    # Outside the repository and without its environment, so only the installed wheel can answer.
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    probe = "import importlib.metadata as m, business_api_client as c; print(m.version('business-api-client'), c.__file__)"
    installed_version, location = run([python, "-c", probe], cwd=tmp_path, env=env).stdout.split()
    assert installed_version == version
    assert Path(location).is_relative_to(venv)

    example = run(
        [python, "-c", readme_example()], cwd=tmp_path, env={**env, "BUSINESS_API_URL": live_business.url}
    )
    assert re.search(r"logged in as ada-[0-9a-f]{8} \(id \d+, role user\)", example.stdout)
