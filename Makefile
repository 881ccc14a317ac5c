# Set-up is part of every target: a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.install-stamp

.PHONY: install chromium run test test-fast test-nojit bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when the package metadata changes; otherwise `make install`
# costs one cached numba warm-up (well under a second).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Byte-compiles the package once (a process then loads .pyc files even where
# PYTHONDONTWRITEBYTECODE is set; ~0.15 s a CLI start) and warms numba's cache.
install: $(STAMP) chromium
	$(PY) -m compileall -q tracker tle
	$(PY) -m tracker.warm

# The browser test drives Debian's Chromium through Playwright (never
# `playwright install`, which downloads a browser build).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The main job: the API and the live map page on 127.0.0.1 with the shipped data.
HOST ?= 127.0.0.1
PORT ?= 8000
run: install
	$(VENV)/bin/iss-tracker serve --host $(HOST) --port $(PORT)

# Two workers (the CI machine has two cores); `-n 0` runs serially.
test: install
	$(PY) -m pytest -n auto

# The edit loop: everything except the long fuzz and crash runs (marked slow).
# CI runs `make test`, which includes them.
test-fast: install
	$(PY) -m pytest -n auto -m "not slow"

test-nojit: install
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -m nojit

bench: install
	@for s in scripts/bench_*.py; do echo "== $$s"; $(PY) $$s || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
	find . -name __pycache__ -prune -exec rm -rf {} +
