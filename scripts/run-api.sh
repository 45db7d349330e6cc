#!/usr/bin/env bash
# The API server (uvicorn) in the foreground.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$ROOT"
exec "$VENV/bin/uvicorn" api.app:create_app --factory --host "$SLUICE_API_HOST" --port "$SLUICE_API_PORT" \
  --ws websockets-sansio --ws-per-message-deflate false --log-level info --no-access-log
