# mlcoach: `make run` sets up and starts the app; `make test` sets up and runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed
APT_PACKAGES := bubblewrap chromium
PYTEST_ARGS ?=

.PHONY: run test setup system-deps lock lint typecheck clean assets

run: setup
	$(BIN)/mlcoach serve

test: setup system-deps lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip sync --quiet --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

# System packages the judge's sandbox and the browser tests use; installed with apt where we may.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "note: could not install$$missing; the tests that need them are skipped"; \
	fi

# Rebuild the web app's committed JavaScript (CodeMirror bundle, htmx) from the npm registry; only
# needed after changing src/mlcoach/web/frontend/. Users of the app need no Node.
WEB_ASSETS := build/web-assets
assets:
	rm -rf $(WEB_ASSETS) && mkdir -p $(WEB_ASSETS)
	cp src/mlcoach/web/frontend/package.json src/mlcoach/web/frontend/package-lock.json src/mlcoach/web/frontend/editor.js $(WEB_ASSETS)/
	cd $(WEB_ASSETS) && npm ci --no-audit --no-fund && npm run build
	cp $(WEB_ASSETS)/dist/editor.js src/mlcoach/web/static/editor.js
	cp $(WEB_ASSETS)/node_modules/htmx.org/dist/htmx.min.js src/mlcoach/web/static/htmx.min.js

lock:
	$(UV) pip compile pyproject.toml --extra dev --override overrides.txt --python-version 3.11 -o requirements.lock --quiet

lint: setup
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)

typecheck: setup
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-output
