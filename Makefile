# The targets the README and CI call. A fresh machine needs only python3 (>= 3.11);
# redis-server is used when installed, else the tests and demo say how to get it.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
JOBCTL  = $(BIN)/jobctl

.PHONY: install demo test lint typecheck check clean docs bench bench-quick

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

install: $(BIN)/python  ## install jobctl and its dev tools into .venv
	$(BIN)/python -m pip install -qq -e '.[dev]'

demo: install  ## enqueue a few jobs, drain them with a burst worker, print their results
	@cd examples && set -e; \
	a=$$(../$(JOBCTL) enqueue tasks.add --arg :2 --arg :3 --quiet); \
	b=$$(../$(JOBCTL) -q enqueue tasks.count_words --arg "jobs go into named queues" --quiet); \
	c=$$(../$(JOBCTL) -q enqueue tasks.flaky --arg :3 --quiet); \
	../$(JOBCTL) -q worker --burst --log-level warning; \
	for id in $$a $$b $$c; do printf "job %s -> " $$id; ../$(JOBCTL) -q job result $$id || true; done

test: install  ## run the test suite against throw-away redis-servers
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

docs: install  ## regenerate man/ and completions/ from the CLI (tests fail when they are stale)
	$(BIN)/python scripts/gen_docs.py

bench: install  ## compare jobctl with rq, huey and dramatiq on a scratch Redis (not a test; ~12 min)
	$(BIN)/python -m pip install -qq -e '.[bench]'
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

bench-quick: install  ## the same with small N and one repeat: a smoke run (~1 min)
	$(BIN)/python -m pip install -qq -e '.[bench]'
	$(BIN)/python -m benchmarks.run --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
