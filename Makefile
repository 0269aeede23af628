# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test lint check-services migrate seed bench clean

$(BIN)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

check-services: $(BIN)/.installed
	@$(PY) manage.py db_create
	@$(PY) manage.py preflight

migrate: check-services
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --if-empty

run: seed
	@$(PY) manage.py collectstatic --noinput -v0
	@bash scripts/run.sh

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The suite needs only the running servers: it creates its own database (test_<name>) and
# uses a Redis database of its own (tests/settings.py), never the development ones.
test: $(BIN)/.installed
	@$(PY) manage.py preflight --server-only
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks use their own database (recreated by the seed benchmark) and Redis database 9,
# unless DATABASE_URL / REDIS_URL are set (and CELERY_BROKER_URL: give checkout's worker a vhost
# of its own); BENCH_ARGS e.g. --quick, --products 100000, --only api checkout.
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shop_bench
bench: export REDIS_URL ?= redis://127.0.0.1:6379/9
bench: migrate
	$(PY) bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
