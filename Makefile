# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint schema clean extract update compile

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

## Start the service with the Pronestor demo data on the embedded database.
run: $(STAMP) compile
	$(BIN)/registry seed seeds/pronestor.json
	$(BIN)/registry serve

## Install everything, then lint, type-check and run the whole test suite.
test: $(STAMP) compile
	bin/ensure-chromium
	bin/ensure-oidc-provider
	$(BIN)/python -c "from registry import devdb; devdb.ensure_built()"
	$(BIN)/ruff check registry tests bench
	$(BIN)/ruff format --check registry tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -p no:cacheprovider --numprocesses auto --maxprocesses 4

## Translations (registry/locales): gather the marked messages, merge them into each
## language's catalog, and compile the catalogs (the .mo files are built, not committed).
LOCALES := registry/locales
extract: $(STAMP)
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords N_ --no-location \
		--sort-output --width 100 --project subprocessor-registry --output-file $(LOCALES)/messages.pot registry

update: extract
	$(BIN)/pybabel update --input-file $(LOCALES)/messages.pot --output-dir $(LOCALES) --width 100 \
		--ignore-obsolete

compile: $(STAMP)
	$(BIN)/pybabel compile --directory $(LOCALES) --statistics

schema: $(STAMP)
	$(BIN)/registry export-schema

clean:
	rm -rf $(VENV) .data
