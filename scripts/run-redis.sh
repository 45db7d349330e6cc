#!/usr/bin/env bash
# Redis in the foreground. It holds the job queue and live events only (PostgreSQL is the
# source of truth), but we still keep an append-only file so queued jobs survive a restart.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
port=$STACK_REDIS_PORT
mkdir -p "$DATA/redis"
exec redis-server --port "$port" --bind 127.0.0.1 --dir "$DATA/redis" --save '' \
  --appendonly yes --daemonize no --loglevel warning
