# Two commands for a fresh clone (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run dev test setup lint check messages compile clean

# The portal with its production server extra and the test tools (pyproject's "test" group).
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[production]" --group test
	touch $@

setup: $(BIN)/.installed
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input -v 0
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_plan

# The site as citizens see it (DEBUG off, compressed static files through whitenoise, the
# designed error pages) on SQLite at http://127.0.0.1:$(PORT)/, with a local-only key.
AS_CITIZENS_SEE_IT := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=local-only-insecure-key \
	DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
# Staff sign in with a password only here (STAFF_2FA_REQUIRED=0): it says so as it starts and
# on every admin page; production never relaxes it (`check --deploy` fails).
run: setup
	$(AS_CITIZENS_SEE_IT) $(BIN)/python manage.py collectstatic --no-input -v 0
	@echo "NOTE: two-factor sign-in for staff is OFF in make run (development only)."
	$(AS_CITIZENS_SEE_IT) STAFF_2FA_REQUIRED=0 $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

# For developers: DEBUG on (Django's error pages), autoreloading.
dev: setup
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole test suite (browser tests run when Chromium is installed; see README), in one
# process per core (pytest-xdist). A module's tests run in one process (its fixtures and the
# shared site are set up once), the real servers' tests (nginx, `make run`) in one, the
# slowest first: tests/conftest.py's scheduler for --dist loadgroup.
PYTEST_WORKERS ?= auto
test: $(BIN)/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

# Catalogues: collect the strings, then (after translating zh_Hant) `make compile`. The
# Simplified reading uses the Traditional catalogue (its pages are converted as they leave):
# the copy keeps Django's own Simplified catalogue from taking over our shared strings.
messages: $(BIN)/.installed
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hant -l en --no-obsolete \
		--ignore=.venv --ignore=bench --ignore=tests --ignore=deploy --ignore=.ci \
		--ignore=artifacts --ignore=build

compile: $(BIN)/.installed
	cp locale/zh_Hant/LC_MESSAGES/django.po locale/zh_Hans/LC_MESSAGES/django.po
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=.ci

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# What CI checks before the tests (seconds): the lint (the layering rule included: each app's
# ruff.toml), the format, Django's deployment checklist with production settings (as .ci/run
# runs it: not one warning), and no model change without its migration.
PRODUCTION_CHECK := DJANGO_DEBUG=0 DJANGO_HTTPS=1 DJANGO_BEHIND_PROXY=1 \
	DJANGO_ALLOWED_HOSTS=plan.example.gov.tw PORTAL_BASE_URL=https://plan.example.gov.tw \
	PORTAL_RELEASE="$$(git rev-parse --short HEAD)" \
	OPEN_DATA_CONTACT_NAME="資料開放聯絡窗口" OPEN_DATA_CONTACT_EMAIL="opendata@plan.example.gov.tw" \
	DJANGO_SECRET_KEY="check-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=')"
check: lint
	$(PRODUCTION_CHECK) $(BIN)/python manage.py check --deploy --fail-level DEBUG
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
