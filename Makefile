# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

## Start the service with the Pronestor demo data on the embedded database.
run: $(STAMP)
	$(BIN)/registry seed seeds/pronestor.json
	$(BIN)/registry serve

## Install everything, then lint, type-check and run the whole test suite.
test: $(STAMP)
	bin/ensure-chromium
	bin/ensure-oidc-provider
	$(BIN)/python -c "from registry import devdb; devdb.ensure_built()"
	$(BIN)/ruff check registry tests bench
	$(BIN)/ruff format --check registry tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -p no:cacheprovider

schema: $(STAMP)
	$(BIN)/registry export-schema

clean:
	rm -rf $(VENV) .data
