#!/usr/bin/env bash
# `make test`: start the stack in the background (reusing one that runs already), run every
# test layer, and stop what was started, whatever happens. Exit status: non-zero if any layer
# failed; every layer runs even after an earlier one fails, so one run shows all problems.
set -uo pipefail
cd "$(dirname "$0")/.."

# A stack started here is for tests only: PostgreSQL skips fsync and synchronous commits
# (core.settings `postgres_durable`). A running stack is reused as it is.
SLUICE_POSTGRES_DURABLE=false scripts/stack.sh up --app || { scripts/stack.sh down; exit 1; }
trap 'scripts/stack.sh down' EXIT

status=0
run() {
  printf '\n\033[1m==> %s\033[0m\n' "$*"
  "$@" || status=1
}
run make --no-print-directory lint
run .venv/bin/pytest tests/unit tests/hostile tests/integration tests/druid
# The crash and outage matrix: it starts (and kills) its own PostgreSQL, Redis, workers and API.
# The tests that kill part of the shared Druid are left out (docs/reliability.md).
run .venv/bin/pytest tests/faults -m "not shared_druid_faults"
if [[ -f frontend/package.json ]]; then
  run npm --prefix frontend test --silent
  # The browser test signs in as the first admin: create it (once) as `make run` does.
  .venv/bin/sluice-admin first-run >/dev/null
  run npm --prefix frontend run --silent e2e
fi
exit $status
