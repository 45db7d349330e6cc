#!/usr/bin/env bash
# Redis in the foreground. It holds the job queue and live events only (PostgreSQL is the
# source of truth), but we still keep an append-only file so queued jobs survive a restart.
# The password (generated into .data/secrets, core/stack_secrets.py) goes in a config file
# readable only by us, never on the command line (`ps` shows that to every local user).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
port=$STACK_REDIS_PORT
mkdir -p "$DATA/redis"
conf=$DATA/redis/redis.conf
(umask 077 && : >"$conf")
chmod 600 "$conf"
[[ -n ${SLUICE_REDIS_PASSWORD:-} ]] && printf 'requirepass %s\n' "$SLUICE_REDIS_PASSWORD" >"$conf"
exec redis-server "$conf" --port "$port" --bind 127.0.0.1 --dir "$DATA/redis" --save '' \
  --appendonly yes --daemonize no --loglevel warning
