"""Validate the contracts in openapi/ and regenerate everything in generated/ from them.

    python tools/generate.py            # validate, then rewrite generated/
    python tools/generate.py --check    # validate, regenerate into a temporary folder
                                        # and fail if generated/ differs from it

Generation happens in a temporary folder that replaces generated/ only when every step
succeeded, so a broken spec never leaves a half-written generated/ behind.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "openapi"
OUTPUT = ROOT / "generated"
ASYNCAPI_SCHEMA = Path(__file__).resolve().parent / "schemas" / "asyncapi-3.0.0.json"

# (contract file, client distribution name, client import name)
CLIENTS = [
    ("data.yaml", "data-api-client", "data_api_client"),
    ("business.yaml", "business-api-client", "business_api_client"),
]
MODELS = [("data.yaml", "openapi"), ("business.yaml", "openapi"), ("events.yaml", "asyncapi")]
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

DATAMODEL_CODEGEN_OPTIONS = [
    "--output-model-type=pydantic_v2.BaseModel",
    "--target-python-version=3.11",
    "--target-pydantic-version=2.14",
    "--use-annotated",
    "--use-standard-collections",
    "--use-union-operator",
    "--collapse-root-models",
    "--enum-field-as-literal=all",
    # Optional fields default to a MISSING sentinel instead of None, so an explicit
    # null is rejected exactly as the contract says, and "absent" stays distinguishable.
    "--strict-nullable",
    "--use-missing-sentinel",
    "--use-schema-description",
    # JSON Schema's boolean does not admit 0 or "true"; Pydantic's lax mode would. (Integers
    # stay lax: JSON Schema counts 48.0 as an integer, which StrictInt refuses.)
    "--strict-types",
    "bool",
    "--disable-timestamp",
    # Formatting happens afterwards with an explicit ruff configuration: ruff would otherwise
    # pick up whichever config file lies above the output folder, and the bytes would depend
    # on where generation ran.
    "--formatters=builtin",
]
RUFF_ISOLATED = ["--isolated", "--line-length=100", "--target-version=py311"]
# Without magic trailing commas the layout depends only on the code, not on how the
# generator happened to wrap it.
RUFF_FORMAT = [*RUFF_ISOLATED, "--config=format.skip-magic-trailing-comma=true"]

MODELS_INIT = '''"""Pydantic v2 models generated from the contracts in openapi/ by `make generate`.

Do not edit: change the contract and regenerate.
"""
'''


class ContractError(Exception):
    """A contract is invalid; the message says where."""


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def check_conventions(name: str, spec: dict[str, Any]) -> list[str]:
    """Rules of this project that the OpenAPI schema itself does not enforce."""
    problems: list[str] = []
    seen: set[str] = set()
    for method, path, operation in iter_operations(spec):
        where = f"{name}: {method} {path}"
        operation_id = operation.get("operationId")
        if not operation_id:
            problems.append(f"{where}: no operationId")
        elif operation_id in seen:
            problems.append(f"{where}: operationId {operation_id!r} is used twice")
        else:
            seen.add(operation_id)
        if not operation.get("summary"):
            problems.append(f"{where}: no summary")
        if not operation.get("tags"):
            problems.append(f"{where}: no tag")
        for status, response in operation.get("responses", {}).items():
            if not str(status).startswith(("4", "5")):
                continue
            ref = response.get("$ref", "")
            target = spec["components"]["responses"][ref.rsplit("/", 1)[-1]] if ref else response
            content = target.get("content", {})
            if list(content) != ["application/problem+json"]:
                problems.append(f"{where}: {status} must have only an application/problem+json body")
    return problems


def validate_openapi(path: Path) -> None:
    spec_dict, base_uri = read_from_filename(str(path))
    try:
        validate(spec_dict, base_uri=base_uri)
    except Exception as error:  # the validator raises several unrelated exception types
        raise ContractError(f"{path.name} is not a valid OpenAPI document:\n{error}") from error
    if spec_dict.get("openapi") != "3.1.0":
        raise ContractError(f"{path.name}: expected openapi: 3.1.0")
    problems = check_conventions(path.name, dict(spec_dict))
    if problems:
        raise ContractError("\n".join(problems))


def validate_asyncapi(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    errors = sorted(Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:10]]
        raise ContractError(f"{path.name} is not a valid AsyncAPI 3.0 document:\n" + "\n".join(lines))


def run(command: list[str], cwd: Path) -> None:
    # The generators call ruff themselves: make them find the pinned one beside this interpreter.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise ContractError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def tool(name: str) -> str:
    """The tool from this interpreter's environment, where the pinned versions live."""
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else name


def generate_into(target: Path) -> None:
    models = target / "contract_models"
    models.mkdir(parents=True)
    (models / "__init__.py").write_text(MODELS_INIT)
    (models / "py.typed").write_text("")
    # datamodel-codegen reads formatting settings from the pyproject.toml of its working
    # directory; an empty one keeps its output the same wherever generation runs.
    with tempfile.TemporaryDirectory() as neutral:
        for spec, file_type in MODELS:
            run(
                [
                    tool("datamodel-codegen"),
                    f"--input={(SPECS / spec).resolve()}",
                    f"--input-file-type={file_type}",
                    f"--output={(models / (Path(spec).stem + '.py')).resolve()}",
                    *DATAMODEL_CODEGEN_OPTIONS,
                ],
                cwd=Path(neutral),
            )
            run(
                [tool("ruff"), "check", *RUFF_ISOLATED, "--select=I,F401", "--fix", "--quiet", str(models)],
                cwd=Path(neutral),
            )
            run([tool("ruff"), "format", *RUFF_FORMAT, "--quiet", str(models)], cwd=Path(neutral))
    for spec, project, package in CLIENTS:
        with tempfile.TemporaryDirectory() as config_dir:
            config = Path(config_dir) / "config.yaml"
            config.write_text(
                yaml.safe_dump(
                    {
                        "project_name_override": project,
                        "package_name_override": package,
                        "literal_enums": True,
                    }
                )
            )
            run(
                [
                    tool("openapi-python-client"),
                    "generate",
                    f"--path={SPECS / spec}",
                    f"--config={config}",
                    "--meta=uv",
                    # Without this it skips operations it cannot parse and says so only in a warning.
                    "--fail-on-warning",
                    f"--output-path={target / project}",
                ],
                cwd=target,
            )


def differences(left: Path, right: Path) -> list[str]:
    """Paths (relative) that differ between two trees, byte for byte."""
    found: list[str] = []

    def walk(comparison: filecmp.dircmp[str], prefix: Path) -> None:
        found.extend(str(prefix / n) for n in comparison.left_only + comparison.right_only)
        _, mismatch, errors = filecmp.cmpfiles(
            comparison.left, comparison.right, comparison.common_files, shallow=False
        )
        found.extend(str(prefix / n) for n in mismatch + errors)
        for name, sub in comparison.subdirs.items():
            walk(sub, prefix / name)

    walk(filecmp.dircmp(left, right, ignore=["__pycache__", ".ruff_cache"]), Path())
    return sorted(found)


def git_uncommitted(path: Path) -> str:
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return ""  # not a git checkout: the byte comparison alone decides
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="fail if generated/ is not what the contracts make"
    )
    args = parser.parse_args()
    try:
        for spec, file_type in MODELS:
            (validate_asyncapi if file_type == "asyncapi" else validate_openapi)(SPECS / spec)
        with tempfile.TemporaryDirectory(
            prefix="generate-", dir=ROOT / ".cache" if (ROOT / ".cache").is_dir() else None
        ) as tmp:
            fresh = Path(tmp) / "generated"
            generate_into(fresh)
            if args.check:
                drift = differences(fresh, OUTPUT) if OUTPUT.exists() else ["generated/ is missing"]
                if drift:
                    print(
                        "generated/ is not what `make generate` makes of openapi/; run `make generate`:",
                        file=sys.stderr,
                    )
                    print("\n".join(f"  {d}" for d in drift), file=sys.stderr)
                    return 1
                uncommitted = git_uncommitted(OUTPUT)
                if uncommitted:
                    print("generated/ has changes that are not committed:", file=sys.stderr)
                    print(uncommitted, file=sys.stderr)
                    return 1
                print("generated/ matches openapi/")
                return 0
            if OUTPUT.exists():
                shutil.rmtree(OUTPUT)
            shutil.copytree(fresh, OUTPUT)
    except ContractError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"generated {', '.join(sorted(os.listdir(OUTPUT)))} from openapi/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
