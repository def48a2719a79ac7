# Two entry points for newcomers: `make serve` (the sample archive as a site) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build check test lint format clean screenshots bench lint-eval
.PHONY: test-matrix test-properdocs test-materialx test-techdocs

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

# --- the generator matrix (issue 19): the tests that build sites, once per generator ---------
# tests/helpers.py reads PM_GENERATOR (mkdocs, properdocs) and PM_THEME (material, materialx).
# `make test` is MkDocs + Material. ProperDocs installs beside MkDocs (the dev extra); MaterialX
# replaces mkdocs-material (both are the `material` package) and TechDocs' core plugin pins an
# older Material, so each has a venv of its own. Left out: the XSS browser harness, the
# pre-commit hook and the CI workflow files, which do not depend on the generator.
SITE_TESTS := tests/site tests/e2e tests/archive tests/model/test_options.py \
	tests/cli/test_actions.py --ignore=tests/e2e/test_xss.py \
	--ignore=tests/e2e/test_precommit.py --ignore=tests/e2e/test_workflow.py
MATERIALX := .venv-materialx
TECHDOCS := .venv-techdocs

$(MATERIALX)/.installed: pyproject.toml
	$(PYTHON) -m venv $(MATERIALX)
	$(MATERIALX)/bin/pip install --quiet --upgrade pip
	$(MATERIALX)/bin/pip install --quiet -e ".[dev]"
	$(MATERIALX)/bin/pip uninstall --quiet --yes mkdocs-material mkdocs-materialx
	$(MATERIALX)/bin/pip install --quiet "mkdocs-materialx>=10.2.2,<11"
	touch $@

$(TECHDOCS)/.installed: pyproject.toml
	$(PYTHON) -m venv $(TECHDOCS)
	$(TECHDOCS)/bin/pip install --quiet --upgrade pip
	$(TECHDOCS)/bin/pip install --quiet -e ".[dev]" "mkdocs-techdocs-core>=1.7.1,<2"
	touch $@

test-properdocs: $(STAMP) ## The site-building tests with ProperDocs + Material
	PM_GENERATOR=properdocs $(BIN)/pytest $(SITE_TESTS)

test-materialx: $(MATERIALX)/.installed ## The site-building tests with MkDocs + MaterialX
	PM_THEME=materialx $(MATERIALX)/bin/pytest $(SITE_TESTS)

test-techdocs: $(TECHDOCS)/.installed ## The sample built with Backstage's techdocs-core
	PM_TECHDOCS=1 $(TECHDOCS)/bin/pytest tests/e2e/test_platform.py -k techdocs

test-matrix: test-properdocs test-materialx test-techdocs ## Every generator but the default

lint-eval: $(STAMP) ## Recall and false alarms of the language rules (dev and held-out halves, real prose)
	$(BIN)/python -m postmortem_kb.check.language.evaluate tests/data/language-eval \
		--prose postmortems --prose tests/data/language-eval/real-prose

bench: $(STAMP) ## Benchmark against plain MkDocs and the YAML parse floor (N = 1,000 and 5,000)
	$(BIN)/python bench/run.py

screenshots: $(STAMP) ## Refresh the README's screenshots (needs Debian's chromium)
	PM_SCREENSHOTS=docs/assets/screenshots $(BIN)/pytest tests/e2e/test_browser.py

clean:
	rm -rf $(VENV) $(MATERIALX) $(TECHDOCS) site .pytest_cache .mypy_cache .ruff_cache
