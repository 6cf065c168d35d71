# The two commands of README.md: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint stack-down clean

# The console test (tests/e2e/test_console.py) drives Debian's Chromium, as Playwright's own
# browser download is not reachable; installed when missing, which needs root (CI runs as root).
setup: $(VENV)/.installed
	@test -x /usr/bin/chromium || { test "$$(id -u)" = 0 \
		&& DEBIAN_FRONTEND=noninteractive apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
		|| echo "no /usr/bin/chromium: run 'sudo apt-get install chromium' for tests/e2e/test_console.py"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/borderlink demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

stack-down: setup
	$(BIN)/borderlink stack down

clean: stack-down
	rm -rf .stack $(VENV)
