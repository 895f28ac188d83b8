# Peerpath — the README's commands.
#   make demo   set up .venv, migrate SQLite, seed the demo school, serve on 127.0.0.1:8000
#   make test   the whole gate: ruff, mypy, import contracts, migrations check, tests
#   make audit  pip-audit the locked dependencies (needs PyPI's vulnerability data)
#   make load   the load test on loopback (docs/operations.md); never port 8000
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2
export PEERPATH_DATA_DIR ?= $(CURDIR)/var

.PHONY: install lock audit load demo serve test check lint format types contracts migrations pytest browser-deps bench clean

# requirements.lock pins every package to the version tested here; `make install`
# installs with it as constraints, so a fresh machine gets the same versions.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Peerpath needs Python 3.11 or newer (set PYTHON=python3.x)."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements.lock --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Re-lock after changing dependencies in pyproject.toml: versions already locked
# are kept; `make lock LOCK_ARGS="--upgrade-package django"` moves one package.
lock:
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --extra dev --strip-extras \
		--allow-unsafe --no-emit-index-url --no-emit-find-links --output-file requirements.lock $(LOCK_ARGS) pyproject.toml

# Fails when a locked package has a known vulnerability, and also when pip-audit
# cannot get a package's vulnerability data (--strict): never a silent pass.
audit: install
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r requirements.lock

load: install
	bash bench/load/run.sh

# The laptop demo logs in with the printed password alone; production asks
# admins, coordinators and safeguarding leads for a TOTP code too.
demo: export PEERPATH_REQUIRE_2FA ?= 0
demo: install
	@mkdir -p $(PEERPATH_DATA_DIR)
	$(BIN)/peerpath migrate --noinput
	$(BIN)/peerpath seed-demo
	@echo "Peerpath is starting on http://127.0.0.1:8000 with its worker (Ctrl+C stops both)."
	$(BIN)/peerpath worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(BIN)/peerpath runserver 127.0.0.1:8000

serve: install
	$(BIN)/peerpath runserver 127.0.0.1:8000

# Browser tests drive Debian's Chromium; no browser is ever downloaded.
browser-deps:
	@if [ -x "$${PEERPATH_CHROMIUM:-/usr/bin/chromium}" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else \
		echo "The browser tests need Chromium: run 'sudo apt-get install chromium' (or set PEERPATH_CHROMIUM)."; exit 1; \
	fi

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

types: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

migrations: install
	@mkdir -p $(PEERPATH_DATA_DIR)
	$(BIN)/peerpath makemigrations --check --dry-run

pytest: install browser-deps
	@mkdir -p $(PEERPATH_DATA_DIR)
	@set +e; $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here."; exit 1; fi; exit $$rc

test: lint types contracts migrations pytest

check: test

bench: install
	$(BIN)/python bench/matching_bench.py --size S
	$(BIN)/python bench/matching_bench.py --size M

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache screenshots
