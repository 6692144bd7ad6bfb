# ClueGraph: the two commands a newcomer needs are `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
CG     := $(VENV)/bin/cluegraph
PYTHON ?= python3

.PHONY: install demo test test-fast bench lint format db-start db-stop clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -U pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

## make demo: start the local Neo4j, load the demo world (once), serve the app.
demo: install
	$(CG) db start
	$(CG) demo up
	$(CG) serve --open

## make test: the whole suite against a real Neo4j the tests start themselves.
test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow and not browser"

bench: install
	$(PY) -m bench.run_all

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

db-start: install
	$(CG) db start

db-stop:
	$(CG) db stop

clean:
	-$(CG) db stop
	rm -rf .cluegraph/test
