#!/usr/bin/env bash
# PostgreSQL in the foreground, data under .data/pg (see pg_dir in _common.sh), created on
# first start. Durable (fsync, synchronous commit, full-page writes) unless the settings say
# otherwise, which only the test runner does (scripts/test.sh).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
source "$(dirname "$0")/secure-postgres.sh"
port=$STACK_POSTGRES_PORT
ensure_pg_cluster
dir=$(pg_dir)
secure_postgres "$dir/data"
durability=()
[[ $SLUICE_POSTGRES_DURABLE == 0 ]] &&
  durability=(-c fsync=off -c full_page_writes=off -c synchronous_commit=off)
cd /
exec_pg() { if [[ $(id -u) -eq 0 ]]; then exec runuser -u postgres -- "$@"; else exec "$@"; fi; }
exec_pg "$(pg_bin)/postgres" -D "$dir/data" -p "$port" -k "$dir" \
  -c listen_addresses=127.0.0.1 "${durability[@]}" -c max_connections=200 -c logging_collector=off
