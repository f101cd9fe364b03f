# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/archive.db
PORT ?= 8001

.PHONY: run test crawl serve bench clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## make run: install, crawl the bundled seeds into data/archive.db, serve it on 127.0.0.1:8001
run: $(VENV)/.installed
	$(BIN)/newsarchive crawl --db $(DB)
	$(BIN)/newsarchive serve --db $(DB) --port $(PORT)

## make test: install with test dependencies and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2

crawl: $(VENV)/.installed
	$(BIN)/newsarchive crawl --db $(DB)

serve: $(VENV)/.installed
	$(BIN)/newsarchive serve --db $(DB) --port $(PORT)

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.crawl_bench

clean:
	rm -rf $(VENV) data *.egg-info

## make screenshots: the README's screenshots (bench/screenshots/), in French and Arabic, from the demo crawl
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m bench.screenshots
