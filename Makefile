# amps_screen: `make run` serves the app on a fresh machine; `make test` runs every test.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

# A Python 3.12+ interpreter: the first of these that answers and is new enough.
PYTHON_CANDIDATES := python3.14 python3.13 python3.12 python3 \
	$(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3) \
	$(wildcard /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9])

.PHONY: help install run test lint format bench clean

help:
	@echo "make run    install if needed, migrate, create demo data (first run), serve on 127.0.0.1:$(PORT)"
	@echo "make test   install if needed and run the whole test suite"
	@echo "make lint   ruff check and format check, and pylint's duplicate-code check"
	@echo "make bench  run the benchmarks in bench/"

$(PY):
	@py=""; for candidate in $(PYTHON_CANDIDATES); do \
	  if "$$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	    py="$$candidate"; break; fi; done; \
	if [ -z "$$py" ]; then \
	  echo "error: amps_screen needs Python 3.12 or newer, and none was found." >&2; \
	  echo "       Tried: $(PYTHON_CANDIDATES)" >&2; \
	  echo "       Install Python 3.12+ (or put python3.12 on PATH) and run make again." >&2; \
	  exit 1; fi; \
	echo "Creating $(VENV) with $$py ($$("$$py" -c 'import sys; print(sys.version.split()[0])'))"; \
	"$$py" -m venv $(VENV)

# xstatic-bootstrap ships no wheel and its setup.py needs pkg_resources (setuptools < 81),
# so the build runs in the venv (no build isolation) with that setuptools installed first.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check "setuptools>=69,<81" wheel
	$(PY) -m pip install --quiet --disable-pip-version-check --no-build-isolation -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The web server and one task worker (Procfile), under honcho: Ctrl-C stops both.
run: install
	@echo "Migrating the database (db.sqlite3)…"
	@DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo --first-run
	DJANGO_DEBUG=1 PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile -p $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# Duplicate code: pylint's duplicate-code check only (settings in pyproject.toml,
# [tool.pylint]) over the apps, migrations and tests left out.
APPS := accounts amps_screen audit cachetable documents exports imports intake interop jobs oncall privacy smart sso

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pylint $(APPS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache *.egg-info
