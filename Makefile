# Sluice — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
PYTEST := .venv/bin/pytest
PY_SOURCES := api core schema workers cli scripts tests bench

.PHONY: run test test-quick setup setup-quick stack-up stack-down schema lint bench clean-data

## run: install what is missing, start the whole stack in the foreground, print the URL;
## a service that dies is restarted (scripts/supervise.py)
run: setup
	@scripts/supervise.sh

## test: same set-up, start the stack in the background, run every test, stop the stack
test: setup
	@scripts/test.sh

## test-quick: the layers that need no Druid (unit + integration on PostgreSQL/Redis/S3)
test-quick: setup-quick
	@scripts/stack.sh up --no-druid
	$(PYTEST) tests/unit tests/hostile tests/integration -m "not druid"

setup:
	@scripts/setup.sh

setup-quick:
	@scripts/setup.sh --no-druid

stack-up: setup
	@scripts/stack.sh up

stack-down:
	@scripts/stack.sh down

## schema: re-export schema.graphql from the code (a test fails when it is stale)
schema:
	$(PY) -m schema

## lint: the house rules, Python and web app; part of `make test`
lint:
	.venv/bin/ruff check $(PY_SOURCES)
	.venv/bin/ruff format --check $(PY_SOURCES)
	.venv/bin/mypy api core schema workers cli
	cd frontend && npm run --silent lint

bench: setup
	$(PY) bench/ingest.py

clean-data:
	@scripts/stack.sh down
	@# PostgreSQL's cluster may live outside the checkout (scripts/_common.sh, pg_dir).
	@if [[ -L .data/pg ]]; then rm -rf "$$(readlink -f .data/pg)"; fi
	rm -rf .data
