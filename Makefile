# `make demo` and `make test` set themselves up: they create .venv and install
# mallcore with its test and dev extras when pyproject.toml is newer than the venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench diagrams reliability fuzz shape-fixtures clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m mallcore demo

test: pytest lint typecheck

# two test processes (pytest-xdist): the CI machine's two cores; each starts its own
# throwaway PostgreSQL cluster when it first needs one
pytest: $(STAMP)
	$(PY) -m pytest -q -n 2

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m pytest benchmarks --benchmark-only --benchmark-columns=median,iqr,rounds -q

# the state diagrams: DOT text from the lifecycle tables, then SVG with Graphviz
# (Debian's graphviz package, installed here when `dot` is missing)
diagrams: $(STAMP)
	$(PY) -m mallcore diagrams --out docs/diagrams
	command -v dot >/dev/null 2>&1 || { \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends graphviz; }
	for dot_file in docs/diagrams/*.dot; do dot -Tsvg "$$dot_file" -o "$${dot_file%.dot}.svg"; done

# the fixture of each stored document kind's current shape, when missing (docs/adapters.md,
# Document shapes): run after adding an upgrader in src/mallcore/shapes.py
shape-fixtures: $(STAMP)
	$(PY) -m tests.shape_fixtures

# Crashes and the outbox (docs/reliability.md): 20 SIGKILLs of a process placing orders, on
# SQLite, then on PostgreSQL (a throwaway cluster, or MALLCORE_TEST_POSTGRES_DSN); about 3 minutes.
CRASH_SECONDS ?= 30
reliability: $(STAMP)
	$(PY) -m benchmarks.crash --backend sqlite --kills 20 --seconds $(CRASH_SECONDS)
	$(PY) -m benchmarks.crash --backend postgres --kills 20 --seconds $(CRASH_SECONDS)

# long fuzz runs (not part of `make test`): FUZZ_EXAMPLES random examples per target,
# failures shrunk; keep each one it finds as an @example in tests/fuzz/
FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/fuzz -q -s

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
