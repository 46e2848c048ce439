# The README's two commands are `make run` and `make test`; everything else is for production
# and for the people who build the console.
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# Tests run on PostgreSQL and Redis, as production does; .ci/run sets these explicitly.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trustconsole
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_SECRET_KEY ?= test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789

.PHONY: run test serve worker scheduler lint bench clean

$(VENV)/.runtime: requirements.txt
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

## run: set up and start the demo console on http://127.0.0.1:8000 (SQLite, jobs inline)
run: $(VENV)/.runtime
	env -u DATABASE_URL -u REDIS_URL $(MANAGE) migrate --no-input
	env -u DATABASE_URL -u REDIS_URL $(MANAGE) load_demo
	@echo "\nTrust Console: http://127.0.0.1:8000/  (stop with Ctrl-C)\n"
	env -u DATABASE_URL -u REDIS_URL $(MANAGE) runserver 127.0.0.1:8000

## test: the whole suite, on PostgreSQL and Redis
test: $(VENV)/.dev
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	DATABASE_REPLICA_URL=$${DATABASE_REPLICA_URL:-$${DATABASE_URL:-$(TEST_DATABASE_URL)}} \
	SECRET_KEY=$${SECRET_KEY:-$(TEST_SECRET_KEY)} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-testserver,localhost,127.0.0.1} \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## serve: production web processes (needs the production environment, see README)
serve: $(VENV)/.runtime
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input
	$(VENV)/bin/gunicorn trustconsole.wsgi --bind $${BIND:-0.0.0.0:8000} --workers $${WEB_CONCURRENCY:-4} --access-logfile -

## worker: RQ workers for every queue, with RQ's scheduler for delayed and retried jobs
worker: $(VENV)/.runtime
	$(MANAGE) rqworker --with-scheduler ingest default reputation notify

## scheduler: the one process that enqueues periodic jobs (SLA sweep); run exactly one
scheduler: $(VENV)/.runtime
	$(MANAGE) rqcron trustconsole.cron

## bench: ingest, queue-page and score-recompute benchmarks on a scratch PostgreSQL database (trustconsole_bench)
bench: $(VENV)/.dev
	cd bench && ../$(PY) ingest.py --senders 4 --batches 40 --workers 4
	cd bench && ../$(PY) queue_page.py --cases 10000 --cases 1000000 --repeats 20
	cd bench && ../$(PY) reputation.py --freelancers 100000 --contracts 2000000

clean:
	rm -rf $(VENV) var/demo.sqlite3* var/static
