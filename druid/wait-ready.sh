#!/usr/bin/env bash
# Wait (bounded, default 300 s) until every Druid service is up and ready; on timeout, print
# which service is not and exit 1. Usage: druid/wait-ready.sh [--timeout SECONDS]
set -euo pipefail
source "$(dirname "$0")/../scripts/_common.sh"
cd "$ROOT"
exec "$PY" -m core.druid.ready "$@"
