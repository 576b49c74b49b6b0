# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
ROLE ?= la-social-worker
export PYTHONPATH := $(CURDIR)

.PHONY: run test lint token bench mail seed unit integration e2e clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## run: start moto, create tables, Cognito and demo data, then serve the API with chalice local on $(PORT)
run: $(VENV)/.installed
	PORT=$(PORT) $(PY) -m tools.local_stack

## test: the checks of the code's shape (lint), then the whole suite (unit, integration, e2e with a fuzz run)
test: lint
	$(PY) -m pytest -n 2 --dist loadfile  # two workers (the machines have 2 cores); a file stays on one worker

## lint: ruff (style and bugs), mypy (types), lint-imports (the import rules of the architecture); any finding fails
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-logo

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit

integration: $(VENV)/.installed
	$(PY) -m pytest tests/integration

e2e: $(VENV)/.installed
	$(PY) -m pytest tests/e2e

## token: print a demo token for ROLE while `make run` is up (the token is the last line)
token: $(VENV)/.installed
	@$(PY) -m tools.token $(ROLE)

## bench: print import time, memory and DynamoDB call counts (figures, not a test)
bench: $(VENV)/.installed
	$(PY) -m tools.bench

## mail: list the emails the local stack sent (newest first); they are .eml files in var/mail/
mail: $(VENV)/.installed
	@$(PY) -m tools.mail

## seed: load the organisation reference data into the configured account (idempotent)
seed: $(VENV)/.installed
	$(PY) -m tools.seed

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache
