#!/usr/bin/env bash
# Sourced by scripts/run-postgres.sh before the server starts: Sluice connects as the role
# `sluice` (not a superuser; it may create databases) with the generated password
# (SLUICE_POSTGRES_PASSWORD, core/stack_secrets.py), and TCP connections need a password
# (scram-sha-256). The superuser `postgres` is reachable only on the Unix socket by the OS user
# postgres (peer). A cluster from before this (trust, every database owned by postgres) is
# migrated once: role, ownership of every database and of its tables, pg_hba.conf. It runs
# the server in single-user mode, so no password passes through a command line.
# Needs: $pg_data (the cluster's data directory), as_postgres and pg_bin from _common.sh.

secure_postgres() {
  local data=$1 marker stamp single db
  [[ -n ${SLUICE_POSTGRES_PASSWORD:-} ]] || return 0  # no generated secrets: leave it open
  marker=$data/sluice-secured
  stamp=$(printf '%s' "$SLUICE_POSTGRES_PASSWORD" | sha256sum | cut -c1-64)
  [[ -f $marker && $(cat "$marker") == "$stamp" ]] && return 0
  echo "securing PostgreSQL: role sluice with a password, scram-sha-256 over TCP" >&2
  single() { (cd / && as_postgres "$(pg_bin)/postgres" --single -D "$data" -j "$1" >/dev/null); }
  single postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sluice') THEN
    CREATE ROLE sluice LOGIN CREATEDB NOSUPERUSER;
  END IF;
END \$\$;
SET password_encryption = 'scram-sha-256';
ALTER ROLE sluice PASSWORD '${SLUICE_POSTGRES_PASSWORD//\'/\'\'}';
SQL
  # Every database but the system ones: owned by sluice, with the tables in it.
  for db in $(cd / && as_postgres "$(pg_bin)/postgres" --single -D "$data" postgres \
      <<<"SELECT datname FROM pg_database WHERE datname NOT IN ('postgres','template0','template1');" \
      | sed -n 's/^[[:space:]]*1: datname = "\(.*\)".*/\1/p'); do
    single postgres <<<"ALTER DATABASE \"$db\" OWNER TO sluice;"
    single "$db" <<'SQL'
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
             AND pg_get_userbyid(c.relowner) <> 'sluice'
  LOOP EXECUTE format('ALTER TABLE %s OWNER TO sluice', r.name); END LOOP;
END $$;
SQL
  done
  cat >"$data/pg_hba.conf" <<'HBA'
# Written by scripts/secure-postgres.sh. Maintenance: the OS user postgres on the socket.
local   all   postgres                 peer
local   all   all                      scram-sha-256
host    all   all        127.0.0.1/32  scram-sha-256
host    all   all        ::1/128       scram-sha-256
HBA
  chown --reference="$data" "$data/pg_hba.conf" 2>/dev/null || true
  (umask 077 && printf '%s\n' "$stamp" >"$marker")
  chown --reference="$data" "$marker" 2>/dev/null || true
}
