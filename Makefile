# make run  — set everything up and serve the demo county at http://127.0.0.1:8000
# make test — set everything up and run the whole suite (DB=postgres for PostgreSQL)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install -q --disable-pip-version-check
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP := $(VENV)/.test-installed
# The suite runs in file order; TEST_ORDER="--randomly-seed=N" shuffles it (pytest-randomly).
TEST_ORDER ?= -p no:randomly
PG_DEFAULT_URL := postgres://sanlian:sanlian@127.0.0.1:5432/sanlian
ifeq ($(DB),postgres)
export DATABASE_URL ?= $(PG_DEFAULT_URL)
endif

.PHONY: run test install install-test system-deps messages demo lint format makemessages guide-screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	touch $@

$(TEST_STAMP): requirements-test.lock $(RUNTIME_STAMP)
	$(PIP) -r requirements-test.lock
	touch $@

install: $(RUNTIME_STAMP) messages

install-test: install $(TEST_STAMP)

messages: $(RUNTIME_STAMP)
	$(BIN)/python -m sanlian.catalogues

system-deps:
	bash scripts/system-deps.sh

run: install
	bash scripts/system-deps.sh || echo "Without those packages the app runs, but PDFs need Pango and CJK fonts." >&2
	$(BIN)/sanlian migrate --noinput -v 0
	$(BIN)/sanlian demo
	BIN=$(BIN) bash scripts/run-dev.sh

demo: install
	$(BIN)/sanlian migrate --noinput -v 0
	$(BIN)/sanlian demo

test: install-test system-deps
	$(BIN)/pytest -n 2 --dist loadfile -q $(TEST_ORDER) $(PYTEST_ARGS)

# The user guide's pictures (docs/guide/*.png), from the demo database in Debian's Chromium.
guide-screenshots: install-test demo
	$(BIN)/python scripts/guide_screenshots.py

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

makemessages: install
	$(BIN)/python scripts/translate.py messages
	for app in standards assessments campaigns dashboards reports; do $(BIN)/python scripts/translate.py messages $$app; done
