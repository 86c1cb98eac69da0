# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run cluster test test-deep lint format messages clean

# uv installs the same packages as pip would, several times faster (pip only bootstraps it); compiled
# to bytecode at install, as pip does, since processes started with PYTHONDONTWRITEBYTECODE never write it.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[test,dev]'
	touch $@

run: $(VENV)/.installed
	$(PY) -m config.run_local

# As hosts that share no disk run it (config/run_cluster.py): web, two workers, beat and SeaweedFS,
# each with its own VAR_DIR under var/cluster/, report files in SeaweedFS's bucket. Needs
# DATABASE_URL (PostgreSQL) and REDIS_URL over TCP; PORT as for `make run`.
cluster: $(VENV)/.installed
	$(PY) -m config.run_cluster

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite with ten times the Hypothesis examples, randomized (profiles: tests/conftest.py).
test-deep: $(VENV)/.installed
	HYPOTHESIS_PROFILE=deep $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The translation catalogue (locale/) after marking strings: GNU gettext's xgettext makes it.
messages: $(VENV)/.installed
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-messages} $(PY) manage.py messages

clean:
	rm -rf $(VENV) var

# Benchmark (bench/README.md): DATABASE_URL selects PostgreSQL (a dedicated database),
# BENCH_FULL=1 adds a 5M-row ledger, BENCH_ROWS=10000 is a quick smoke.
.PHONY: bench
bench: $(VENV)/.installed
	$(PY) -m bench

# The real processes under each fault that could lose a run (faults/run.py); FAULTS_SCALE=short for CI.
faults: $(VENV)/.installed
	$(PY) -m faults
