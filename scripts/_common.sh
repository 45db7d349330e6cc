# Sourced by the scripts in this folder: paths and settings for the local stack.
# Settings come from core/settings.py (the one place that reads configuration).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${SLUICE_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
eval "$(cd "$ROOT" && "$PY" -m core.settings exports)"
DATA=$SLUICE_DATA_DIR
mkdir -p "$DATA/logs"

# Run a command as the `postgres` user when we are root (PostgreSQL refuses to run as root).
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [[ -x $dir/postgres ]] && { echo "$dir"; return; }
  done
  dirname "$(command -v postgres)"
}

# Where PostgreSQL keeps its cluster (data/) and socket. Usually .data/pg. As root, PostgreSQL
# runs as `postgres`, which cannot reach a checkout under a directory other users may not
# enter (/root, a `mktemp -d`): then the cluster lives in /var/lib/sluice/, one per checkout
# (keyed by the data directory's path), and .data/pg is a symlink to it for people and
# `make clean-data`.
pg_dir() {
  if [[ -L $DATA/pg ]]; then
    readlink -f "$DATA/pg"
  elif [[ $(id -u) -ne 0 ]] || runuser -u postgres -- test -x "$DATA"; then
    echo "$DATA/pg"
  else
    echo "/var/lib/sluice/pg-$(printf %s "$DATA" | sha256sum | cut -c1-16)"
  fi
}

# Create the PostgreSQL cluster on first use (scripts/setup.sh, scripts/run-postgres.sh).
ensure_pg_cluster() {
  local dir
  dir=$(pg_dir)
  [[ -f $dir/data/PG_VERSION ]] && return 0
  echo "creating the PostgreSQL cluster in $dir" >&2
  if ! mkdir -p "$dir" 2>/dev/null; then
    echo "Cannot create $dir for PostgreSQL's data. Make its parent writable for $(id -un)," \
         "or set SLUICE_DATA_DIR to a directory that can be used." >&2
    return 1
  fi
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$dir"
    [[ $dir == "$DATA/pg" ]] || ln -sfn "$dir" "$DATA/pg"
  fi
  if ! (cd / && as_postgres "$(pg_bin)/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
        >/dev/null); then
    echo "initdb could not create a PostgreSQL cluster in $dir/data (output above)." \
         "PostgreSQL runs as user postgres when Sluice runs as root: that user must be able" \
         "to enter every parent directory of $dir." >&2
    return 1
  fi
}
