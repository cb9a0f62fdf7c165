# MedConsult: `make run` to try it, `make test` to prove it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

# Debian packages: WeasyPrint renders prescriptions with Pango and HarfBuzz, in fonts
# that cover Devanagari and the other Indian scripts (fonts-noto-core).
PDF_DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core
# The browser tests drive Debian's Chromium; pdftoppm (poppler-utils) previews prescriptions.
TEST_DEB_PACKAGES := chromium poppler-utils $(PDF_DEB_PACKAGES)
# The benchmark drives the server with wrk; BENCH_ARGS are passed to bench/run.py.
BENCH_DEB_PACKAGES := wrk
BENCH_ARGS ?=

.PHONY: run test lint format deps test-deps migrate seed clean help bench

help:
	@echo "make run    install what is missing, migrate, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test   lint, check the import floors and run the whole test suite"
	@echo "make bench  load 100,000 doctors into PostgreSQL, load-test search with wrk, write bench/results/latest.md"

$(PY):
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || scripts/ensure-debian-packages.sh python3-venv
	$(PYTHON) -m venv $(VENV)

$(VENV)/.requirements-installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

deps: $(VENV)/.requirements-installed

test-deps: deps
	@scripts/ensure-debian-packages.sh $(TEST_DEB_PACKAGES)

.env:
	$(PY) scripts/write_env.py

migrate: deps .env
	@scripts/ensure-debian-packages.sh $(PDF_DEB_PACKAGES)
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The periodic jobs (outbox, lapsed holds, next-available) run beside the server
# and stop with it, however it stops.
run: seed
	@echo
	@echo "MedConsult is starting on http://127.0.0.1:8000  (Ctrl+C to stop)"
	@echo "Log in with the demo accounts above."
	@echo
	@# Job control (set -m) puts the worker and the server in process groups of their
	@# own, so one kill stops runserver's autoreloader and the server it runs. Ctrl+C
	@# and a SIGTERM to make (which reaches only this shell) both stop the two.
	@set -m; \
	$(PY) manage.py run_periodic & worker=$$!; \
	$(PY) manage.py runserver 127.0.0.1:8000 & server=$$!; \
	trap 'kill -TERM -- -$$server -$$worker 2>/dev/null; wait' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	wait $$server

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: test-deps lint
	@DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run >/dev/null \
		|| { echo "Models changed without a migration: run manage.py makemigrations." >&2; exit 1; }
	@url="$$($(PY) scripts/test_database_url.py)"; \
	if [ -n "$$url" ]; then export DATABASE_URL="$$url"; fi; \
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: deps
	@scripts/ensure-debian-packages.sh $(BENCH_DEB_PACKAGES)
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache tests/e2e/screenshots
