#!/usr/bin/env bash
# PostgreSQL in the foreground, data under .data/pg (created by scripts/setup.sh).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
source "$(dirname "$0")/secure-postgres.sh"
port=$STACK_POSTGRES_PORT
secure_postgres "$DATA/pg/data"
exec_pg() { if [[ $(id -u) -eq 0 ]]; then exec runuser -u postgres -- "$@"; else exec "$@"; fi; }
exec_pg "$(pg_bin)/postgres" -D "$DATA/pg/data" -p "$port" -k "$DATA/pg" \
  -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off \
  -c max_connections=200 -c logging_collector=off
