# SkillSwap: `make run` serves the platform, `make test` proves it. Nothing but Python and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Two pytest-xdist workers (CI has two cores), tests dealt one by one (tests/conftest.py).
# Not --dist loadfile: schemathesis' cases share one node id per test function, and loadfile
# keeps one item per node id, so the contract fuzzing would silently shrink to two cases.
# PYTEST_WORKERS= runs in one process.
PYTEST_WORKERS ?= -n 2 --dist load

.PHONY: help install run serve migrate seed test lint mypy mypy-baseline format check pytest bench messages lock lock-upgrade services-up services-down clean e2e-setup

help:
	@echo "make run    - install, migrate, seed demo data, serve http://$(HOST):$(PORT) (HTTP + WebSocket)"
	@echo "make test   - ruff, manage.py check, migrations check and the whole pytest suite"
	@echo "make lint   - ruff (check + format) and mypy against mypy-baseline.txt"
	@echo "make mypy-baseline - accept today's mypy errors as the baseline (after a refactor)"
	@echo "make bench  - performance benchmarks (ratios against floors measured in the same run)"
	@echo "make services-up / services-down - throwaway PostgreSQL and Redis on loopback"
	@echo "make e2e-setup - axe-core from npm for the browser tests (Chromium itself: scripts/browser)"

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
	$(MAKE) --no-print-directory mypy

# mypy (django-stubs, djangorestframework-stubs) on the apps; errors already listed in
# mypy-baseline.txt are tolerated, any new one fails; a fixed one only shrinks the list at the next
# `make mypy-baseline`. mypy exits 2 when it could not check at all (a plugin or settings crash):
# that fails too, whatever the baseline says.
MYPY_RUN = $(VENV)/bin/mypy --config-file pyproject.toml
mypy: install
	@mkdir -p var; status=0; $(MYPY_RUN) > var/mypy.out 2>&1 || status=$$?; \
	if [ $$status -gt 1 ]; then cat var/mypy.out; echo "mypy could not run (exit $$status)"; exit 1; fi; \
	$(VENV)/bin/mypy-baseline filter --baseline-path mypy-baseline.txt --allow-unsynced \
		--hide-stats < var/mypy.out

mypy-baseline: install
	@mkdir -p var; $(MYPY_RUN) > var/mypy.out 2>&1; \
	$(VENV)/bin/mypy-baseline sync --baseline-path mypy-baseline.txt < var/mypy.out; \
	echo "mypy-baseline.txt: $$(wc -l < mypy-baseline.txt) known errors"

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# --- e2e ---
# axe-core for the browser tests (tests/e2e/), exactly as package-lock.json pins it; node_modules is
# never committed. Chromium comes from Debian (scripts/browser), never from a download.
AXE_JS := node_modules/axe-core/axe.min.js
$(AXE_JS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE_JS)

e2e-setup: $(AXE_JS)

pytest: install e2e-setup
	$(VENV)/bin/pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

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

# Regenerate the lock from requirements/*.in in a scratch venv. `make lock` keeps every version
# already pinned (the old lock is a constraint) and adds what new declarations need;
# `make lock-upgrade` resolves everything afresh.
LOCK_CONSTRAINT ?= -c var/lock-constraints.txt
lock:
	rm -rf var/lock-venv && mkdir -p var && $(PYTHON) -m venv var/lock-venv
	cp requirements.lock var/lock-constraints.txt
	var/lock-venv/bin/pip install --quiet --disable-pip-version-check -r requirements/dev.in \
		$(LOCK_CONSTRAINT)
	var/lock-venv/bin/pip freeze --exclude-editable > requirements.lock
	rm -rf var/lock-venv var/lock-constraints.txt

lock-upgrade:
	$(MAKE) --no-print-directory lock LOCK_CONSTRAINT=

services-up:
	scripts/services start

services-down:
	scripts/services stop

clean:
	rm -rf var .pytest_cache .ruff_cache

# --- cluster and audit (h8) ---
# The production shape on this machine: two replicas (gunicorn gthread for HTTP, uvicorn for /ws/)
# behind nginx, a Celery worker and beat, PostgreSQL and Redis (scripts/cluster; docker-compose.yml).
.PHONY: cluster cluster-down audit
cluster: install
	scripts/cluster up

cluster-down:
	scripts/cluster down

# Known vulnerabilities of the pinned packages (PyPI's advisory data). --strict: a package that
# could not be checked fails the audit rather than passing unchecked.
AUDIT_ARGS ?= --strict
audit: install
	$(VENV)/bin/pip-audit -r requirements.lock --no-deps --disable-pip $(AUDIT_ARGS)
