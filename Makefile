# aiobgp — developer and CI entry points.  `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip

ORACLE  ?= .oracle

.PHONY: demo test venv peers oracle lint typecheck unit interop conformance bench clean

$(VENV)/.installed: pyproject.toml setup.py $(wildcard aiobgp/*/*.c)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip 'setuptools>=77'
	$(PIP) install -q -e '.[test]'
	$(PY) setup.py -q build_ext --inplace
	touch $@

venv: $(VENV)/.installed

# ExaBGP 5.0.15 from PyPI in its own venv: the oracle of the differential tests and benchmarks.
# The product never imports it.
$(ORACLE)/bin/exabgp:
	$(PYTHON) -m venv $(ORACLE)
	$(ORACLE)/bin/pip install -q exabgp==5.0.15

oracle: $(ORACLE)/bin/exabgp

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

test: venv peers oracle lint typecheck
	$(VENV)/bin/pytest -q tests

# ExaBGP's own functional vectors (../shared/conformance) against aiobgp, one line per vector.
conformance: venv
	$(PY) scripts/conformance

bench: venv peers oracle
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(ORACLE) .mypy_cache .ruff_cache .pytest_cache .hypothesis
