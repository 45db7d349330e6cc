#!/usr/bin/env bash
# Start or stop the local stack in the background, under supervisord like `make run` (used by
# `make test`). A service that dies is restarted; see scripts/supervise.py. Services already
# running are reused, not started twice, and `down` stops only what `up` started.
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
      echo "stack: starting ${services[*]} (log: $log)"
      # Appending (O_APPEND): supervisord and its children write to the log through separate
      # descriptors, which must not overwrite each other.
      : >"$log"
      setsid scripts/supervise.sh "${services[@]}" >>"$log" 2>&1 </dev/null &
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
      # supervisord stops the services in reverse start order (each in its own process group),
      # then exits, and so does scripts/supervise.sh, whose pid the pidfile holds.
      target=$pid
      child=$(cat "$DATA/supervisord.pid" 2>/dev/null || true)
      [[ -n $child && $(ps -o ppid= -p "$child" 2>/dev/null | tr -d ' ') == "$pid" ]] && target=$child
      kill -TERM "$target" 2>/dev/null || true
      for _ in $(seq 240); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      rm -f "$pidfile"
      echo "stack: stopped"
    fi
    ;;
  *) echo "usage: $0 up [--no-druid] [--app] | down" >&2; exit 2 ;;
esac
