# nblabel developer entry points. The README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8888
# a node fetched by scripts/ensure_node.sh (only when the machine's is older than 20) comes first
NODE_PREFIX := .cache/node
export PATH := $(CURDIR)/$(NODE_PREFIX)/node_modules/.bin:$(PATH)

.PHONY: demo install node js js-check js-test lint docs screenshots test test-unit test-browser test-notebooks test-server ls-server bench bench-spans bench-sync bench-models chromium clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: set up and open JupyterLab on the demo notebooks (bundled data, nothing else to start)
demo: install
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root) \
	    --ServerApp.root_dir=notebooks notebooks/01-quickstart.ipynb

## chromium: Debian's chromium for the browser tests (Playwright never downloads a browser here)
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## node: a node >= 20 (vitest, vite and happy-dom need it): the machine's, Debian's, or the npm registry's `node`
node:
	@NODE_PREFIX=$(NODE_PREFIX) bash scripts/ensure_node.sh

js/node_modules: js/package-lock.json | node
	cd js && npm ci --no-audit --no-fund --loglevel=error
	touch js/node_modules

## js: rebuild the committed front end bundle from js/
js: node js/node_modules
	cd js && npm run -s build

## js-check: the committed bundle must equal a fresh build of js/
js-check: js
	git diff --exit-code --stat -- nblabel/static/ || { echo "nblabel/static/ is stale: run 'make js' and commit"; exit 1; }

js-test: node js/node_modules
	cd js && npm run -s typecheck && npm run -s test

## lint: ruff (lint rules only) + mypy on the Python, tsc --noEmit + eslint on js/ (no format check yet)
lint: install node js/node_modules
	$(BIN)/ruff check nblabel tests scripts bench conftest.py
	$(BIN)/ruff format --check nblabel tests scripts bench conftest.py
	$(BIN)/mypy
	cd js && npm run -s typecheck && npm run -s lint

test-unit: install
	$(BIN)/pytest -q tests/unit

test-browser: install chromium
	NBL_REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/browser

## ls-server: Label Studio 1.23.2 in its own venv (.cache/ls-venv, ~1 GB) + a template data dir for tests
ls-server:
	$(PY) scripts/ls_server.py init

test-server: install ls-server
	NBL_REQUIRE_SERVER=1 $(BIN)/pytest -q tests/server

test-notebooks: install ls-server
	NBL_REQUIRE_SERVER=1 $(BIN)/pytest -q --nbval notebooks/

## test: every layer — bundle drift, JS unit, Python unit, notebooks, real browser, real Label Studio
## docs: the documentation site into site/ (mkdocs-material + mkdocstrings), warnings are errors
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@echo "docs built: site/index.html"

## screenshots: retake every docs screenshot (docs/img/, docs/img/gallery/) with the browser tests
screenshots: install chromium js
	NBL_UPDATE_SCREENSHOT=1 NBL_REQUIRE_BROWSER=1 $(BIN)/pytest -q -p no:cacheprovider tests/browser/test_gallery_browser.py tests/browser/test_marimo_browser.py \
	    tests/browser/test_a11y_theme_browser.py tests/browser/test_quickstart_browser.py::test_keys_label_items_and_reach_the_kernel

test: install chromium ls-server js-check lint docs js-test
	NBL_REQUIRE_BROWSER=1 NBL_REQUIRE_SERVER=1 $(BIN)/pytest tests --nbval notebooks/ -p no:cacheprovider

## bench: latency, open-time and message-size benchmarks in real chromium + JupyterLab
bench: install chromium js
	$(BIN)/python bench/latency.py

## bench-spans: first paint of a 200,000-char text with 500 spans, span actions, NER next item (chromium + JupyterLab)
bench-spans: install chromium js
	$(BIN)/python bench/spans_bench.py --update-docs

## bench-sync: push/pull 10k tasks against a real Label Studio, nblabel vs label-studio-sdk
bench-sync: install ls-server
	$(BIN)/python bench/sync_bench.py

## bench-models: retrain / re-rank cost on 10k and 100k text pools, keypress latency while retraining vs idle
bench-models: install chromium js
	$(BIN)/python bench/models_bench.py

clean:
	rm -rf $(VENV) js/node_modules build dist .cache
