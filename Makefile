# SegmentFlow: `make run` and `make test` are all a fresh machine needs (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PORT ?= 8000
WEB_THREADS ?= 8
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.12: $(PYTHON) if given, then python3.13, python3.12 on PATH (pyenv shims
# that fail without a selected version are skipped), then pyenv's own versions.
define FIND_PYTHON
for c in $(PYTHON) python3.13 python3.12 \
    $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) python3; do \
  if command -v "$$c" >/dev/null 2>&1 && \
     "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
    command -v "$$c"; exit 0; fi; \
done; echo "No Python >= 3.12 found: install python3.13 or set PYTHON=/path/to/python3.13" >&2; exit 1
endef

.PHONY: help venv install run test test-fast lint format migrate clean openapi

help:
	@echo "make run    - install, migrate, create a demo Organization, serve on http://127.0.0.1:$(PORT) with a task worker"
	@echo "make test   - install and run the whole test suite (DATABASE_URL selects the database)"
	@echo "make lint   - ruff, mypy and makemigrations --check"
	@echo "make format - ruff format and fix"
	@echo "make openapi - write openapi.json (the API's OpenAPI document) and the SDK code generated from it"

$(PY):
	@py=$$($(FIND_PYTHON)) && echo "Creating $(VENV) with $$py" && "$$py" -m venv $(VENV)

$(STAMP): pyproject.toml sdks/python/pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	$(PY) -m pip install --quiet -e "./sdks/python[mcp]"
	@touch $(STAMP)

venv install: $(STAMP)

migrate: $(STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput

# Links in emails and upload URLs are built on SITE_URL: under `make run` it follows PORT.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: migrate
	$(PY) manage.py ensure_demo
	$(PY) manage.py schedule_housekeeping
	@echo "Dashboard: http://127.0.0.1:$(PORT)/   API docs: http://127.0.0.1:$(PORT)/api/v1/docs   (Ctrl-C stops)"
	@$(PY) manage.py db_worker --interval 1 & worker=$$!; \
	$(BIN)/gunicorn segmentflow.wsgi:application --bind 127.0.0.1:$(PORT) \
	  --workers 2 --threads $(WEB_THREADS) --reuse-port --access-logfile - & web=$$!; \
	trap 'kill $$worker $$web 2>/dev/null; wait' INT TERM; \
	wait -n; status=$$?; kill $$worker $$web 2>/dev/null; wait; exit $$status

test: $(STAMP)
	@mkdir -p var
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/pytest -m "not e2e" -x $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy --strict sdks/python/src/segmentflow_sdk
	$(PY) sdks/python/scripts/generate_models.py --check
	$(PY) sdks/python/scripts/generate_resources.py --check
	$(PY) manage.py makemigrations --check --dry-run

# The committed OpenAPI document; tests/contract/test_openapi_file.py fails when it is stale.
openapi: $(STAMP)
	$(PY) manage.py export_openapi --output openapi.json
	$(PY) sdks/python/scripts/generate_models.py
	$(PY) sdks/python/scripts/generate_resources.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
