# aiobgp — developer and CI entry points.  `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip

.PHONY: demo test venv peers lint typecheck unit interop conformance bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

# The real peers used by the interop tests (Debian packages); installed with apt-get when root.
peers:
	@scripts/install-peers

demo: venv
	$(PY) scripts/demo.py

lint: venv
	$(VENV)/bin/ruff check aiobgp tests scripts bench examples
	$(VENV)/bin/ruff format --check aiobgp tests scripts bench examples

typecheck: venv
	$(VENV)/bin/mypy

unit: venv
	$(VENV)/bin/pytest -q -m 'not interop' tests

interop: venv peers
	$(VENV)/bin/pytest -q -m interop tests

test: venv peers lint typecheck
	$(VENV)/bin/pytest -q tests

bench: venv peers
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
