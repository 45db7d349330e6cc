#!/usr/bin/env bash
# One arq worker in the foreground. Start more on any host to scale out.
# `python -m workers` starts the worker again (with back-off) when Redis goes away.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$ROOT"
# Its metrics for Prometheus (docs/ops/README.md); a second worker on this host needs another port.
export SLUICE_WORKER_METRICS_PORT="${SLUICE_WORKER_METRICS_PORT:-9464}"
exec "$PY" -m workers
