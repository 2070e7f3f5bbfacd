# Two commands for a fresh machine: `make run` (build the graph, start the app) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install browser stores build run test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# the browser tests drive Debian's chromium (Playwright's own browser download is not used)
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u 2>/dev/null)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-noto-cjk; \
	else \
		echo "make browser: chromium is not on PATH; install it (Debian: apt-get install chromium fonts-noto-cjk, as root)," \
		     "or the browser tests will fail" >&2; \
	fi

# the scale-out tests run a real Virtuoso Open Source server (Debian's package; started by the tests themselves)
stores:
	@if command -v virtuoso-t >/dev/null 2>&1; then :; \
	elif [ "$$(id -u 2>/dev/null)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource; \
	else \
		echo "make stores: virtuoso-t is not on PATH; install it (Debian: apt-get install virtuoso-opensource, as root)," \
		     "or the Virtuoso tests will fail" >&2; \
	fi

BUILT := data/build/manifest.json

build: install
	$(BIN)/kg build

# rebuilt when a source document, the ontology or the code changed
$(BUILT): $(STAMP) $(wildcard data/raw/*) $(wildcard ontology/*.ttl) $(wildcard kg/*.py kg/*/*.py)
	$(BIN)/kg build
	$(BIN)/kg validate

# the app on http://localhost:8501, this machine only (ADDRESS=0.0.0.0 to share it, PORT=… ; Ctrl-C stops it)
PORT    ?= 8501
ADDRESS ?= 127.0.0.1
run: $(BUILT)
	$(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: install browser stores
	$(BIN)/python -m pytest

clean:
	rm -rf data/build $(VENV)
