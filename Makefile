# Two commands for a fresh machine: `make run` (build the graph, start the product) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install build run test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

build: install
	$(BIN)/kg build

run: build
	$(BIN)/kg stats
	$(BIN)/kg validate

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf data/build $(VENV)
