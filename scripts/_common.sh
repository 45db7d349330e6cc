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
