#!/usr/bin/env bash
# The API server (uvicorn) in the foreground.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$ROOT"
exec "$VENV/bin/uvicorn" api.app:create_app --factory --host "$SLUICE_API_HOST" --port "$SLUICE_API_PORT" \
  --ws websockets-sansio --log-level info --no-access-log
