# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev

.PHONY: setup system-deps test lint bench demo clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	# speaker-embedding weights (Apache-2.0): only the weights file is used, so not its torch
	$(PY) -m pip install -q --no-deps 'resemblyzer==0.1.4'
	touch $@

system-deps:
	@scripts/install-system-deps.sh

setup: system-deps $(VENV)/.installed

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(VENV)/bin/pytest

bench: setup
	$(PY) bench/events.py

demo: setup
	$(VENV)/bin/copilot demo

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
