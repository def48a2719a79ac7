# Two entry points for newcomers: `make serve` (the sample archive as a site) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build check test lint format clean screenshots bench lint-eval

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

serve: $(STAMP) ## Install, then serve the sample archive at http://127.0.0.1:8000
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: $(STAMP) ## Build the site into site/ exactly as CI does
	$(BIN)/postmortem check --strict
	$(BIN)/mkdocs build --strict

check: $(STAMP) ## Check every postmortem of the archive
	$(BIN)/postmortem check --strict

lint: $(STAMP)
	$(BIN)/ruff check plugins tests
	$(BIN)/ruff format --check plugins tests
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format plugins tests
	$(BIN)/ruff check --fix plugins tests

test: lint ## Install, lint, type-check, check the sample archive and run the test suite
	$(BIN)/postmortem check --strict
	$(BIN)/pytest

lint-eval: $(STAMP) ## Recall and false alarms of the language rules (dev and held-out halves, real prose)
	$(BIN)/python -m postmortem_kb.check.language.evaluate tests/data/language-eval \
		--prose postmortems --prose tests/data/language-eval/real-prose

bench: $(STAMP) ## Benchmark against plain MkDocs and the YAML parse floor (N = 1,000 and 5,000)
	$(BIN)/python bench/run.py

screenshots: $(STAMP) ## Refresh the README's screenshots (needs Debian's chromium)
	PM_SCREENSHOTS=docs/assets/screenshots $(BIN)/pytest tests/e2e/test_browser.py

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache
