# Two commands on a fresh machine:  `make demo` runs a node with the example passports,
# `make test` runs every test.  Both install what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install system-deps demo test lint typecheck check bench docs clean

$(BIN)/passport-node: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

install: $(BIN)/passport-node

# redis-server for the store and cache tests, wrk for the benchmarks (Debian packages).
system-deps:
	@command -v redis-server >/dev/null && command -v wrk >/dev/null || { \
	  apt-get update -qq && apt-get install -y -qq redis-server wrk >/dev/null; }

demo: install
	$(BIN)/passport-node serve --config deploy/node.toml --demo

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

bench: install system-deps
	$(BIN)/python -m bench all

docs: install
	$(BIN)/python -m tools.profile_docs > docs/data-points.md

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
