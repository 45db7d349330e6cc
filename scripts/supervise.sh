#!/usr/bin/env bash
# Run the named services (default: all) under supervisord in the foreground: `make run` does
# this, scripts/stack.sh does it in the background. A service that dies is restarted; when one
# cannot be started again, everything stops and this exits non-zero, naming it.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$ROOT"
conf=$DATA/supervisord.conf
failed=$DATA/supervise.failed
"$PY" -m scripts.supervise conf "$@" >"$conf"
rm -f "$failed"
status=0
"$VENV/bin/supervisord" -c "$conf" || status=$?
if [[ -f $failed ]]; then
  name=$(cat "$failed")
  echo "Sluice stopped: $name could not be started again; its log is $DATA/logs/$name.log" >&2
  exit 1
fi
exit "$status"
