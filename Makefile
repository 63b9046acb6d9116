# Twinning — `make run` serves the demo, `make test` runs the suite. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install node-tools run serve test lint format check clean bench audit messages faults mutants worker

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The Node tools (package.json): the Nu HTML Checker for the browser tests, Lighthouse for
# make audit. Without npm the browser tests skip the HTML check and say why.
NODE_STAMP := node_modules/.installed-stamp
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-fund --no-audit --loglevel=error
	touch $(NODE_STAMP)

node-tools:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(NODE_STAMP); \
	else echo "npm not found: the HTML check of the browser tests will be skipped"; fi

install: $(STAMP)

# The demo: DEBUG is asked for explicitly here, never on by default.
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py demo_login --url http://$(HOST):$(PORT)/$${ADMIN_URL:-admin/}
	DEBUG=1 TWO_FACTOR_REQUIRED=$${TWO_FACTOR_REQUIRED:-0} $(PY) manage.py runserver $(HOST):$(PORT)

# Production-style serving: hashed, compressed static files and gunicorn (gthread workers).
# Needs the production environment (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, …): docs/deploy.md.
serve: install
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn --config gunicorn.conf.py twinning.wsgi:application

# A task worker (docs/tasks.md), with the periodic scheduler in the same process (-B: start one
# such worker only; more workers without it). Needs CELERY_BROKER_URL.
worker: install
	$(VENV)/bin/celery --app twinning worker --beat --loglevel INFO --concurrency 2

# The world-scale benchmark (docs/performance.md): builds var/bench/world.sqlite3 and the
# PostgreSQL database twinning_bench once, load-tests gunicorn with wrk, rewrites the document.
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres); about 30 minutes (an hour with the default 10 s per page and the builds). Options: bench/run.sh.
WRK_VERSION := 4.1.0-3+b2
bench: install
	@command -v wrk >/dev/null || apt-get install -y wrk=$(WRK_VERSION) \
	  || { echo "Install wrk $(WRK_VERSION) (Debian: apt-get install wrk)"; exit 1; }
	bench/run.sh

# The fault scenarios (faults/report.py): Redis stopped, hung and restarted, PostgreSQL restarted
# and stopped, under load on services of their own; the backup round trips; six concurrent
# near-limit uploads. Rewrites docs/reliability.md; a few minutes. Needs redis-server and
# PostgreSQL 15's initdb (Debian: redis-server, postgresql-15).
faults: install
	$(PY) -m faults.report

# Lighthouse (desktop preset) on five demo pages served as in production, over TLS; rewrites
# docs/quality.md and leaves the reports in var/audit/. Needs Chromium (CHROME_PATH, default
# /usr/bin/chromium); a few minutes. Not a CI gate. Options: audit/run.sh.
audit: install node-tools
	audit/run.sh

# Gather the translatable strings into locale/*/django.po, then compile them (needs gettext:
# apt-get install gettext). .ci/check-translations checks nothing is left untranslated.
MESSAGE_IGNORES := --ignore='node_modules/*' --ignore='tests/*' --ignore='bench/*' \
  --ignore='audit/*' --ignore='var/*' --ignore='staticfiles/*' --ignore='mutants/*'
messages: install
	DEBUG=1 $(PY) manage.py makemessages --no-location --no-obsolete -l de -l zh_Hans $(MESSAGE_IGNORES)
	DEBUG=1 $(PY) manage.py compilemessages --ignore='.venv/*' --ignore='node_modules/*' --ignore='mutants/*'

# Mutation testing with mutmut (docs/architecture.md): small bugs planted one at a time in the
# modules [tool.mutmut] in pyproject.toml names, each run against the tests that cover it; lists
# the mutants no test caught (`.venv/bin/mutmut show NAME` shows one). Not a CI gate: each
# mutant starts a fresh process: about 1,300 mutants, an hour or more. MUTANT_JOBS: processes.
MUTANT_JOBS ?= 2
mutants: install
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children $(MUTANT_JOBS)
	$(VENV)/bin/mutmut export-cicd-stats
	cat mutants/mutmut-cicd-stats.json
	$(VENV)/bin/mutmut results

# The suite on one worker per core (pyproject.toml), then the fault scenarios alone in one
# process: their timing bounds do not hold with a second worker busy beside them on 2 cores.
test: install node-tools
	$(PY) -m pytest -m "not faults"
	$(PY) -m pytest -m faults -n 0

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	DEBUG=1 $(PY) manage.py check
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache staticfiles mutants
