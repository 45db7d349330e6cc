#!/usr/bin/env bash
# One arq worker in the foreground. Start more on any host to scale out.
# `python -m workers` starts the worker again (with back-off) when Redis goes away.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$ROOT"
exec "$PY" -m workers
