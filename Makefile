# Two commands set everything up on a machine with only Python and make:
#   make demo   -> dashboard on the built-in simulator with an embedded SQLite database
#   make test   -> the whole test suite (SQLite and a throwaway PostgreSQL)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint screenshots bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ss-tui demo

test: $(STAMP)
	$(BIN)/ruff check ss_tui tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check ss_tui tests bench
	$(BIN)/ruff format --check ss_tui tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

screenshots: $(STAMP)
	$(BIN)/python -m ss_tui.tui.screenshots screenshots

bench: $(STAMP)
	$(BIN)/python -m bench --busy --json bench/results.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
