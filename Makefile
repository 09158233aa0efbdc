# The book's two commands (see README.md):
#   make book   install the book's environment into .venv and build the HTML book
#   make test   add the test tools, then run the whole suite (unit, property, cross-check,
#               nbval on every chapter, the browser test, the Colab simulation)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Notebook kernels, nbval and the book build must all use the virtual environment.
export PATH := $(BIN):$(PATH)

.PHONY: book test install install-test clean

# The book renders the outputs stored in the notebooks (execution is off in _config.yml);
# `make test` runs every notebook under nbval, which proves those outputs current.
book: install
	bash scripts/vendor_mathjax.sh
	jupyter-book build . -W -n --keep-going
	@echo "The book is built: $(CURDIR)/_build/html/index.html"

# One pytest worker per core; a test file (a notebook, the Colab simulation) stays on one worker.
test: install-test
	python -m pytest -n auto --dist loadfile

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt scripts/install_test_tools.sh
	$(BIN)/python -m pip install -r requirements-test.txt
	bash scripts/install_test_tools.sh
	touch $@

clean:
	rm -rf _build
