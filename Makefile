# Two commands on a fresh machine:  `make demo` runs a node with the example passports,
# `make test` runs every test.  Both install what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install system-deps axe demo test differential-memo lint typecheck check bench docs clean

$(BIN)/passport-node: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

install: $(BIN)/passport-node

# redis-server for the store and cache tests, wrk for the benchmarks, nginx for the shared-cache
# front's tests (deploy/nginx/); chromium, its driver and CJK fonts for the page's browser tests
# (Debian packages: no test downloads a browser).
system-deps:
	@command -v redis-server >/dev/null && command -v wrk >/dev/null && { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null || { \
	  apt-get update -qq && apt-get install -y -qq redis-server wrk nginx >/dev/null; }
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; }

# axe-core (npm) for the accessibility check of the page, kept beside the virtualenv.
axe: $(VENV)/axe/node_modules/axe-core/axe.min.js
$(VENV)/axe/node_modules/axe-core/axe.min.js:
	mkdir -p $(VENV)/axe && cd $(VENV)/axe && npm install --no-audit --no-fund --silent axe-core@4.14.1

demo: install
	$(BIN)/passport-node serve --config deploy/node.toml --demo

# Whole modules per worker (their module-scoped nodes and servers start once), handed out in
# collection order: tests/conftest.py puts the longest modules first (LONGEST_FIRST). mypy keeps
# its cache in .mypy_cache between runs. Bytecode is written even where the environment says
# PYTHONDONTWRITEBYTECODE: otherwise each xdist worker rewrites and compiles every test module
# again (~6 CPU-s of its ~15 s collection), and each spawned node and validation worker compiles
# the modules it imports (the __pycache__ folders are ignored by git).
# mypy runs beside pytest, niced, its output printed after pytest's: from a clean clone it costs
# ~25 CPU-s, and pytest leaves a core idle for much of its run (nodes starting, waits on other
# processes, the last module's tail), so it took ~25 s of the target's wall time before pytest.
# The target fails if either fails.
test: install system-deps axe
	$(BIN)/ruff check .
	types=$$(mktemp); nice -n 10 $(BIN)/mypy >$$types 2>&1 & mypy=$$!; \
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder; tests=$$?; \
	wait $$mypy; typed=$$?; echo "mypy:"; cat $$types; rm -f $$types; \
	[ $$typed -eq 0 ] && exit $$tests || exit $$typed

# Recompute stock pyshacl's verdicts for the differential test and test_validation's comparison
# with plain pyshacl (tests/passport/pyshacl_memo.py) and the engine's whole-run reports for
# test_invalid_reports, and rewrite the committed memos: after a change to the shapes, the
# contexts, the mutants, the versions of pyshacl, rdflib or pyld, or (for the whole-run reports)
# the validation code (the tests fail and say so until then).
differential-memo: install
	PASSPORT_REFRESH_PYSHACL_MEMO=1 $(BIN)/pytest -q tests/passport/test_differential.py tests/profile/test_validation.py \
	  tests/validation/test_invalid_reports.py

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
