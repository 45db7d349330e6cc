#!/usr/bin/env bash
# Redis in the foreground. It holds the job queue and live events only (PostgreSQL is the
# source of truth), but we still keep an append-only file so queued jobs survive a restart.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
port=$("$PY" -c 'from urllib.parse import urlsplit; from core.settings import Settings; print(urlsplit(Settings().redis_url).port or 6379)')
mkdir -p "$DATA/redis"
exec redis-server --port "$port" --bind 127.0.0.1 --dir "$DATA/redis" --save '' \
  --appendonly yes --daemonize no --loglevel warning
