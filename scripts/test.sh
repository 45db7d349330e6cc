#!/usr/bin/env bash
# `make test`: start the stack in the background (reusing one that runs already), run every
# test layer, and stop what was started, whatever happens. Exit status: non-zero if any layer
# failed; every layer runs even after an earlier one fails, so one run shows all problems.
set -uo pipefail
cd "$(dirname "$0")/.."

# A stack started here is for tests only: PostgreSQL skips fsync and synchronous commits
# (core.settings `postgres_durable`), and its worker submits no kill tasks for unused segments
# (`druid_kill_unused`: one sent to the MiddleManager the Druid-faults layer kills held up
# every task for 5 minutes; the next `make run` cleans up). A running stack is reused as it is.
# Services that already run (make run, make stack-up) may serve others: their Druid
# MiddleManager is left alone (the Druid faults layer below).
owns_stack=1
.venv/bin/python -m scripts.wait_ready --services --timeout 1 >/dev/null 2>&1 && owns_stack=0
SLUICE_POSTGRES_DURABLE=false SLUICE_DRUID_KILL_UNUSED=false scripts/stack.sh up --app || { scripts/stack.sh down; exit 1; }
trap 'scripts/stack.sh down' EXIT

status=0
run() {
  printf '\n\033[1m==> %s\033[0m\n' "$*"
  "$@" || status=1
}
run make --no-print-directory lint
run .venv/bin/pytest tests/unit tests/hostile tests/integration tests/druid --durations=25
# Faults of Druid itself (docs/reliability.md): our task shut down through the Overlord, and the
# MiddleManager killed, which kills every Druid task on the stack: only on a stack started here.
druid_faults=tests/faults/test_druid_faults.py
if ((owns_stack)); then
  run .venv/bin/pytest "$druid_faults"
else
  run .venv/bin/pytest "$druid_faults" -m "not kills_middlemanager"
fi
# The crash and outage matrix: it starts (and kills) its own PostgreSQL, Redis, workers and API.
run .venv/bin/pytest tests/faults --ignore="$druid_faults"
if [[ -f frontend/package.json ]]; then
  run npm --prefix frontend test --silent
  # The browser test signs in as the first admin: create it (once) as `make run` does.
  .venv/bin/sluice-admin first-run >/dev/null
  run npm --prefix frontend run --silent e2e
fi
exit $status
