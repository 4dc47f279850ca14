# Two commands for a fresh clone (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_DEBUG ?= 1

.PHONY: run test setup lint messages clean

$(BIN)/.installed: pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py load_plan

# Set up, load the plan if absent, and serve at http://127.0.0.1:8000/ (SQLite by default).
run: setup
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole test suite (browser tests run when Chromium is installed; see README).
test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
