# Every target bootstraps what it needs: a pinned uv in .cache/uv, then the project's
# locked environment in .venv. Only Python 3.11+ has to be on the machine.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV_HOME := .cache/uv
UV := $(UV_HOME)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced-$(UV_VERSION)

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --frozen --no-sync
# The git ref `make contract-check` compares openapi/ with.
BASE ?= main
# pytest-xdist workers of `make pytest`: most of the suite waits on services starting,
# subprocesses and the broker, so more workers than cores pays (at most 8: tests/infra.py).
PYTEST_WORKERS ?= 4
# The suite in two phases, both always run, failing if either fails: every test not marked
# `serial` on PYTEST_WORKERS workers, then the serial ones alone (time bounds, a broker
# restart, the benchmark). --dist loadgroup keeps the tests of one expensive module-scoped
# fixture (marked xdist_group) on one worker; the slowest tests go first (tests/conftest.py).
# $(1): pytest arguments (PYTEST_ARGS, -m fuzz...).
define pytest_phases
	status=0; \
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --phase=parallel $(1) || status=$$?; \
	$(RUN) pytest --phase=serial $(1) || status=$$?; \
	exit $$status
endef

.DEFAULT_GOAL := help
.PHONY: help install generate check-generated contract-check lint format typecheck test pytest fuzz fuzz-deep \
	migrate migration stop run dev bench dist clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(STAMP) ## Create .venv with the locked dependencies

generate: $(STAMP) ## Validate openapi/ and regenerate generated/ from it
	$(RUN) python -m tools.generate

check-generated: $(STAMP) ## Fail if generated/ is not what `make generate` makes (or is uncommitted)
	$(RUN) python -m tools.generate --check

contract-check: $(STAMP) ## Fail on breaking changes to openapi/ since BASE (main) without a major version bump
	$(RUN) python tools/contract_check.py --base $(BASE)

lint: $(STAMP) ## ruff lint and format check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

typecheck: $(STAMP) ## mypy: strict on our code, and the generated clients and consumer package
	$(RUN) mypy
	$(RUN) mypy --strict generated/data-api-client/data_api_client generated/business-api-client/business_api_client
	$(RUN) mypy --strict generated/user-events-consumer/user_events_consumer

pytest: $(STAMP) ## The whole pytest suite, schemathesis gate included (PYTEST_ARGS=... to narrow it)
	$(call pytest_phases,$(PYTEST_ARGS))

test: check-generated contract-check lint typecheck pytest ## Everything CI runs: drift and contract checks, lint, types, tests

fuzz: $(STAMP) ## schemathesis against both services, as in CI
	$(call pytest_phases,-m fuzz $(PYTEST_ARGS))

fuzz-deep: $(STAMP) ## A larger, randomised schemathesis run, by hand
	export FUZZ_DEEP=1; $(call pytest_phases,-m fuzz $(PYTEST_ARGS))

migrate: $(STAMP) ## Apply the database migrations (DATABASE_URL, or the embedded database)
	$(RUN) python -m data_service.migrate

migration: $(STAMP) ## Autogenerate the next migration from the models: make migration m="add nickname"
	@test -n "$(m)" || { echo 'say what it does: make migration m="add nickname"'; exit 2; }
	$(RUN) python -m data_service.migrate revision "$(m)"

stop: $(STAMP) ## Stop the embedded PostgreSQL that make run leaves running between runs
	$(RUN) python -m data_service.embedded stop

run: $(STAMP) ## Start both services: business on :8000, data on :8001
	$(RUN) python -m tools.run

dev: $(STAMP) ## make run, reloading on code changes and regenerating on contract changes
	$(RUN) python -m tools.run --dev

bench: $(STAMP) ## wrk against the stack and a bare FastAPI app, then 300 journeys that must lose nothing; reports/bench.json
	$(RUN) python -m tools.bench

dist: $(UV) ## Wheels and sdists of the generated clients and consumer package in dist/, versioned as their contracts
	rm -f dist/data_api_client-* dist/business_api_client-* dist/user_events_consumer-*
	$(UV) build --quiet --out-dir dist generated/data-api-client
	$(UV) build --quiet --out-dir dist generated/business-api-client
	$(UV) build --quiet --out-dir dist generated/user-events-consumer
	@ls dist/data_api_client-* dist/business_api_client-* dist/user_events_consumer-*

clean: ## Stop the embedded PostgreSQL; remove the environments, caches and reports
	@if [ -x $(VENV)/bin/python ]; then $(RUN) python -m data_service.embedded stop; fi
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .pytest_cache reports dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
