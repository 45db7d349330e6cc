#!/usr/bin/env bash
# One arq worker in the foreground. Start more on any host to scale out.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$ROOT"
exec "$VENV/bin/arq" workers.settings.WorkerSettings
