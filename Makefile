# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8000
# TLS_CERT and TLS_KEY (PEM files): serve https, e.g. to try Envoy from a phone (README).
SCHEME = $(if $(TLS_CERT),https,http)
TLS_ARGS = $(if $(TLS_CERT),--certfile $(TLS_CERT) --keyfile $(TLS_KEY))

.PHONY: run test lint test-sqlite test-postgres browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## make run: install, migrate, seed demo data the first time, print the demo accounts, serve on http://$(HOST):$(PORT)
# Card QR codes, `cards token` and the sign-in address printed by `users demo` use BASE_URL: the address served
# here, unless BASE_URL is set (e.g. the LAN address a phone uses when HOST=0.0.0.0).
run: export BASE_URL ?= $(SCHEME)://$(HOST):$(PORT)
run: $(VENV)/.runtime
	$(FLASK) db upgrade
	$(FLASK) registry seed-demo --if-empty
	$(FLASK) keys rotate --if-none
	$(FLASK) users demo
	$(FLASK) incidents seed-demo --if-empty
	@echo "Envoy is serving on $(SCHEME)://$(HOST):$(PORT)  (Ctrl-C stops it); card QR codes open $(BASE_URL)/v/..."
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) $(TLS_ARGS) --access-logfile - --access-logformat '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms' wsgi:app

## make test: install what the tests need, lint, run every test on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set
# The tests run in TEST_WORKERS processes (pytest-xdist), each with its own app, browser and PostgreSQL database
# (tests/conftest.py); `make test TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= 2
# worksteal: a worker that runs out of tests takes some from the other, so a few slow browser tests at the end
# do not leave a core idle.
PYTEST_PARALLEL = -n $(TEST_WORKERS) $(if $(filter 0,$(TEST_WORKERS)),,--dist worksteal)

test: $(VENV)/.dev browser-deps
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "TEST_DATABASE_URL is not set: skipped the PostgreSQL run (.ci/run sets it)"; fi

## make lint: ruff's checks and its format check (pinned in requirements-dev.txt; settings in pyproject.toml)
lint: $(VENV)/.dev
	@echo "== lint =="
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite:
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q $(PYTEST_PARALLEL)

# The browser tests drive the UI and do not depend on the database backend, so this run leaves them out.
test-postgres:
	@echo "== test suite on PostgreSQL =="
	$(BIN)/python -m pytest -q -m "not browser" $(PYTEST_PARALLEL)

## browser-deps: Debian's Chromium for the browser tests (Playwright cannot download a browser here)
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium missing: run 'sudo apt-get install chromium' for the browser tests"; exit 1; fi; fi

clean:
	rm -rf $(VENV) instance

.PHONY: durability
## make durability: officers file incidents while gunicorn workers are SIGKILLed; no acknowledged incident lost or doubled
# On a temporary SQLite file, then on PostgreSQL when BENCH_DATABASE_URL is set (in a schema of its own, dropped after).
durability: $(VENV)/.runtime
	@echo "== durability on SQLite =="
	$(BIN)/python bench/incident_durability.py
	@if [ -n "$$BENCH_DATABASE_URL" ]; then echo "== durability on PostgreSQL =="; \
	  $(BIN)/python bench/incident_durability.py --database-url "$$BENCH_DATABASE_URL"; \
	else echo "BENCH_DATABASE_URL is not set: skipped the PostgreSQL run"; fi

.PHONY: bench
## make bench: the served benchmark (bench/README.md): gunicorn + wrk on loopback, SQLite and (when reachable)
# PostgreSQL, 1x and 20x registries; prints one table and writes bench/results/latest.json. BENCH_ARGS passes
# options, e.g. make bench BENCH_ARGS="--database postgresql --sizes 1x --workers 1,2,4 --rows bare,lookup".
bench: $(VENV)/.runtime
	@command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench.served $(BENCH_ARGS)

.PHONY: audit-deps
## make audit-deps: pip-audit on requirements.txt; FAILS (exit 2) when its vulnerability database cannot be reached
# pip-audit alone reports "No known vulnerabilities found" when it checked nothing (README: Checking dependencies).
# AUDIT_ARGS passes more pip-audit arguments, e.g. AUDIT_ARGS="--no-deps --disable-pip" to skip pip's resolution.
audit-deps: $(VENV)/.dev
	$(BIN)/python tools/audit_deps.py -r requirements.txt $(AUDIT_ARGS)
