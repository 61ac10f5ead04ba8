# The two set-up commands: `make demo` and `make test`. Both create the virtual environment
# and install what they need; nothing else has to be installed first but Python 3.11+.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SANDBOX_PORT ?= 8765
ADMIN_PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs in one process per core (pytest-xdist); each has its own test database.
# `--dist load` hands tests out in pytest-django's order, so that every process runs its
# transactional tests (which empty the database) after the others. TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto

.PHONY: demo test lint format bench install clean screenshots messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per set of extras; re-installs when pyproject.toml changes.
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $@

install: $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	PY=$(BIN)/python SANDBOX_PORT=$(SANDBOX_PORT) ADMIN_PORT=$(ADMIN_PORT) ./scripts/demo.sh

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

# The browser tests (Debian's chromium and chromium-driver) save the main screens in
# var/screenshots/; the chosen ones are copied, palette-quantised, to docs/screenshots/.
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider tests/browser $(PYTEST_ARGS)
	$(BIN)/python tests/browser/publish_screenshots.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy billbee connector bookkeeping payments sentences

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test
	$(BIN)/python bench/stream_orders.py
	$(BIN)/python bench/import_orders.py
	$(BIN)/python bench/book_and_export.py
	$(BIN)/python bench/reconcile.py

# The translation catalogues (locale/<language>/LC_MESSAGES): extract every text, fill in the
# German translations from the catalogue itself and from the .po snippets in PO_SNIPPETS
# (e.g. make messages PO_SNIPPETS="../de-reports.po ../de-dashboard.po"), compile the .mo
# files, which are committed so that an installation needs no gettext. Needs GNU gettext.
PO_SNIPPETS ?=
messages: $(VENV)/.installed-base
	PY=$(BIN)/python ./scripts/merge_translations.sh $(PO_SNIPPETS)
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var --ignore=staticfiles

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache
