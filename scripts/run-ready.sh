#!/usr/bin/env bash
# Wait until the whole stack is healthy, print the URL, then stay up (scripts/supervise.py).
# If a service does not come up in time it exits non-zero, and the supervisor stops the stack.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$ROOT"
"$PY" -m scripts.wait_ready --all
echo
echo "  Sluice is up:  http://localhost:$SLUICE_API_PORT   (GraphiQL: http://localhost:$SLUICE_API_PORT/graphql)"
echo "  $("$VENV/bin/sluice-admin" first-run)"
echo "  Press Ctrl-C to stop everything."
echo
exec sleep infinity
