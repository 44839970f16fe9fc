# One gate, two entry points: `make serve` (the main job) and `make test`.
# Both create .venv and install the project from its own files on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup serve test lint system-deps node-deps build diagrams validate clean screenshots bpmn-docs

$(BIN)/etomkg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/etomkg info > /dev/null   # builds and caches the bundled graph
	touch $@

setup: $(BIN)/etomkg

system-deps:
	bash tools/system-deps.sh

# bpmnlint and bpmn-js (the bpmn.io viewer), which the tests run on BPMN exports; pinned by tools/node/package-lock.json.
NODE_TOOLS := tools/node/node_modules/.package-lock.json
$(NODE_TOOLS): tools/node/package.json tools/node/package-lock.json
	npm ci --prefix tools/node --no-audit --no-fund --loglevel=error
	touch $@

node-deps: system-deps $(NODE_TOOLS)

serve: setup
	$(BIN)/etomkg serve

build: setup
	$(BIN)/etomkg build -o build/graph

diagrams: setup
	$(BIN)/etomkg diagram --all-examples -o docs/diagrams

validate: setup
	$(BIN)/etomkg validate --limit 5

lint: setup
	$(BIN)/ruff check etomkg server tests benchmarks tools
	$(BIN)/ruff format --check etomkg server tests benchmarks tools

# The screenshots in docs/screenshots/, taken from the live pages in headless Chromium.
screenshots: setup system-deps
	$(BIN)/python tools/screenshots.py

# docs/bpmn/: example BPMN exports and how bpmn.io draws them.
bpmn-docs: setup node-deps
	$(BIN)/python tools/bpmn_docs.py

test: setup system-deps node-deps lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build test-output .pytest_cache tools/node/node_modules
