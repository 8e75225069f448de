# 民情地图 — the two commands of the quick start are `make demo` and `make test`.
# The newest python3.1x found that is 3.11 or later (CI passes PYTHON=python3.11).
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for py in python3.14 python3.13 python3.12 python3.11 python3; do \
	command -v $$py >/dev/null 2>&1 && $$py -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$py; break; }; done)
endif
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test lint bench serve vocabulary clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or later is needed; none found on PATH" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), f"Python 3.11 or later is needed, found {sys.version.split()[0]}"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

## demo: build the 汕尾 demo city on first run, then serve it on the embedded store
demo: $(VENV)/.installed
	$(BIN)/minqing demo --host $(HOST) --port $(PORT)

## test: install the test extras and run the whole suite: the parallel part (one process
## per core, each with its own PostGIS database), then the `serial` tests alone
test: $(VENV)/.installed-test
	@status=0; \
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not serial" || status=$$?; \
	$(BIN)/python -m pytest -m serial || status=$$?; \
	exit $$status

## lint: ruff and mypy, as CI runs them
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy api geo

## bench: every benchmark module bench/bench_*.py (ratios against a baseline taken in the same run;
## bench_load needs MINQING_BENCH_DATABASE_URL, bench_read and bench_scale MINQING_BENCH_POSTGIS_URL:
## PostGIS databases they may empty, else they say so and skip that part)
bench: $(VENV)/.installed-test
	@for module in $(basename $(notdir $(wildcard bench/bench_*.py))); do \
		echo "== bench.$$module"; $(BIN)/python -m bench.$$module || exit 1; done

serve: $(VENV)/.installed
	$(BIN)/minqing serve --host $(HOST) --port $(PORT)

## vocabulary: the dashboard's copy of the terms /api/vocabulary serves (after changing an enum;
## tests/test_vocabulary.py fails while the copy is stale)
vocabulary: $(VENV)/.installed
	$(BIN)/minqing vocabulary --output dashboard/vocabulary.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
