#!/usr/bin/env bash
# Start or stop the local stack in the background (used by `make test`; `make run` runs it in
# the foreground instead). Services already running are reused, not started twice.
#   scripts/stack.sh up [--no-druid] [--app]    start and wait until healthy
#   scripts/stack.sh down                       stop what `up` started
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$ROOT"
pidfile=$DATA/stack.pid
log=$DATA/logs/stack.log

case ${1:-} in
  up)
    shift
    services=(postgres redis s3 zookeeper coordinator broker historical middlemanager)
    wait_flag=--services
    for arg in "$@"; do
      case $arg in
        --no-druid) services=(postgres redis s3); wait_flag=--base ;;
        --app) services+=(api worker); wait_flag=--all ;;
      esac
    done
    if "$PY" -m scripts.wait_ready "$wait_flag" --timeout 1 >/dev/null 2>&1; then
      echo "stack: already running"
      exit 0
    fi
    if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "stack: started earlier (pid $(cat "$pidfile")), waiting for it"
    else
      echo "stack: starting ${services[*]} (log: .data/logs/stack.log)"
      setsid "$VENV/bin/honcho" -f Procfile start "${services[@]}" >"$log" 2>&1 &
      echo $! >"$pidfile"
    fi
    if ! "$PY" -m scripts.wait_ready "$wait_flag"; then
      tail -n 40 "$log" >&2
      exit 1
    fi
    ;;
  down)
    if [[ -f $pidfile ]]; then
      pid=$(cat "$pidfile")
      # honcho forwards SIGTERM to every process it started, then waits for them.
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      rm -f "$pidfile"
      echo "stack: stopped"
    fi
    ;;
  *) echo "usage: $0 up [--no-druid] [--app] | down" >&2; exit 2 ;;
esac
