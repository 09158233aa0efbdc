# The book's two commands (see README.md):
#   make book   install everything into .venv and build the HTML book
#   make test   run the whole test suite (unit, property, cross-check, nbval, browser)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Notebook kernels, nbval and the book build must all use the virtual environment.
export PATH := $(BIN):$(PATH)

.PHONY: book test install clean

book: install
	bash scripts/vendor_mathjax.sh
	jupyter-book build . -W -n --keep-going
	@echo "The book is built: $(CURDIR)/_build/html/index.html"

test: install
	python -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml scripts/install_chromium.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	bash scripts/install_chromium.sh
	touch $@

clean:
	rm -rf _build
