# The two commands in the README: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: install index run test test-fast browser ocr axe bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject.toml (CPU build); never `pip install -U torch`.
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

index: install
	$(BIN)/jsna ingest

run: index
	JSNA_PORT=$(PORT) $(BIN)/jsna serve

# Debian's Chromium for the real-browser tests (never a downloaded browser). Skipped without root.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is not installed and this is not root: the browser tests will be skipped."; fi; }

# Debian's Tesseract, for reading PDF pages that have no text layer. Skipped without root (such pages are then
# reported as skipped, with this command).
ocr:
	@command -v tesseract >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; \
	  else echo "Tesseract is not installed and this is not root: image-only pages will be skipped (sudo make ocr)."; fi; }

# axe-core from the npm registry, at the version tests/axe/package-lock.json pins, for the accessibility tests.
axe: tests/axe/node_modules/axe-core/axe.min.js

tests/axe/node_modules/axe-core/axe.min.js: tests/axe/package-lock.json
	@command -v npm >/dev/null 2>&1 && (cd tests/axe && npm ci --no-audit --no-fund --loglevel=error) \
	  || echo "npm is not installed: the accessibility tests will be skipped (apt-get install npm)."

test: install browser ocr axe
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not real"

# Needs ../shared/corpus (bench/app.py uses the shipped corpus); results go to bench/results/.
bench: install browser ocr
	$(BIN)/python bench/parsers.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/indicators.py
	$(BIN)/python bench/robustness.py
	$(BIN)/python bench/recommendations.py
	$(BIN)/python bench/app.py
	$(BIN)/python bench/library.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/reliability.py --fuzz-seconds 300

clean:
	rm -rf $(VENV) index .pytest_cache
