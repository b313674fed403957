# SkillSwap: `make run` serves the platform, `make test` proves it. Nothing but Python and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help install run serve migrate seed test lint format check pytest bench messages lock services-up services-down clean

help:
	@echo "make run    - install, migrate, seed demo data, serve http://$(HOST):$(PORT) (HTTP + WebSocket)"
	@echo "make test   - ruff, manage.py check, migrations check and the whole pytest suite"
	@echo "make bench  - performance benchmarks (ratios against floors measured in the same run)"
	@echo "make services-up / services-down - throwaway PostgreSQL and Redis on loopback"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock changes.
$(STAMP): requirements.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

install: $(STAMP) messages

# Compiled catalogues are build output (never committed).
messages: $(STAMP)
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint check pytest

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks run against real PostgreSQL and Redis (started if needed) in a database of their own.
BENCH ?=
bench: install
	scripts/services start
	eval "$$(scripts/services env)" && \
	DATABASE_URL="$${DATABASE_URL%/*}/skillswap_bench" $(PY) -m tests.benchmarks $(BENCH)

# Regenerate the lock from requirements/dev.in in a scratch venv.
lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --disable-pip-version-check -r requirements/dev.in
	var/lock-venv/bin/pip freeze --exclude-editable > requirements.lock
	rm -rf var/lock-venv

services-up:
	scripts/services start

services-down:
	scripts/services stop

clean:
	rm -rf var .pytest_cache .ruff_cache
