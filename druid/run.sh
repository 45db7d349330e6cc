#!/usr/bin/env bash
# Run ONE Druid service in the foreground (exec java ...), as scripts/supervise.py expects:
#
#   druid/run.sh zookeeper | coordinator-overlord | broker | historical | middleManager
#
# SIGTERM stops the JVM cleanly (Druid's lifecycle shutdown hooks). Everything the service
# writes (var/, task dirs, segment cache, task logs, ZooKeeper data) lives under
# $SLUICE_DATA_DIR/druid, which is the working directory, so the relative paths in
# druid/conf/*.properties resolve there. Settings (S3 endpoint and keys, deep-storage bucket,
# metadata store) come from core/settings.py and are passed as -D system properties, which
# override runtime.properties and are forwarded by the MiddleManager to its peons. Secrets
# (S3 keys, the metadata password) are exported to the environment instead, which Druid's
# password providers read (conf/_common): a command line is visible to every local user.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/_common.sh
source "$here/../scripts/_common.sh"
: "${SLUICE_DATA_DIR:?the settings did not load (python -m core.settings exports failed)}"

service=${1:-}
case $service in
  zookeeper|coordinator-overlord|broker|historical|middleManager) ;;
  *) echo "usage: druid/run.sh zookeeper|coordinator-overlord|broker|historical|middleManager" >&2
     exit 2 ;;
esac

# --- jars: assembled once into a cache outside the tracked tree (see druid/README.md) ---
version=25.0.0
lib=${DRUID_LIB:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice/druid-$version/lib}
if [[ ! -f $lib/.complete || $(cat "$lib/.complete") != $(sha256sum "$here/pom.xml" | cut -d' ' -f1) ]]; then
  # Several services may start at once on a fresh machine: only one of them assembles.
  mkdir -p "$(dirname "$lib")"
  DRUID_LIB=$lib flock "$(dirname "$lib")/.assemble.lock" "$here/assemble.sh"
fi

# --- Java: Druid 25 runs on Java 11 or 17, not newer ---
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
java_version=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [[ $java_version != 17 && $java_version != 11 ]]; then
  echo "druid: Druid $version needs Java 17 (or 11), but '$java' is Java ${java_version:-unknown}." \
       "Set JAVA_HOME to a Java 17 installation." >&2
  exit 1
fi
java=$(command -v "$java")

home=$DATA/druid
mkdir -p "$home/var/tmp" "$home/var/zk" "$home/var/druid/task" "$home/var/druid/indexing-logs" \
  "$home/var/druid/segment-cache" "$home/var/druid/processing"
cd "$home"

# Java 17 module flags Druid needs (Druid's own bin/run-java adds the same list).
module_flags=(
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED
)
common_flags=(
  -server -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError
  -Duser.timezone=UTC -Dfile.encoding=UTF-8 -Djava.io.tmpdir=var/tmp
  -Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager
)

# Is any Druid service of druid/conf still listening on its port?
druid_listening() {
  local conf port
  for conf in "$here"/conf/*/runtime.properties; do
    port=$(sed -n 's/^druid.plaintextPort=//p' "$conf")
    [[ -n $port ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
  done
  return 1
}

if [[ $service == zookeeper ]]; then
  # Druid services deregister from ZooKeeper while they stop; if it is already gone they
  # retry for minutes. A process manager may stop everything at once (SIGTERM to every
  # process group, SIGKILL soon after), so the ZooKeeper JVM ignores SIGTERM/SIGINT and this
  # script ends it once the Druid ports have closed (at most 4 s). ZooKeeper syncs its
  # transaction log before acknowledging a write, so SIGKILL loses nothing, and the JVM stays
  # in this process group: whatever kills the group never leaves ZooKeeper behind.
  (trap '' TERM INT
   exec "$java" -Xms64m -Xmx128m "${common_flags[@]}" \
     -Dzookeeper.admin.enableServer=false -Dzookeeper.jmx.log4j.disable=true \
     -cp "$here/conf/zk:$here/conf/_common:$lib/*" \
     org.apache.zookeeper.server.ZooKeeperServerMain "$here/conf/zk/zoo.cfg") &
  zk_pid=$! stopping=0
  stop_zookeeper() {
    stopping=1
    for _ in $(seq 8); do druid_listening || break; sleep 0.5; done
    echo "zookeeper: stopping (the Druid services are down or had 4 s to deregister)"
    kill -KILL "$zk_pid" 2>/dev/null || true
  }
  trap stop_zookeeper TERM INT
  status=0
  while kill -0 "$zk_pid" 2>/dev/null; do wait "$zk_pid" || status=$?; done
  ((stopping)) && exit 0
  exit "$status"
fi

# --- settings -> Druid system properties (nothing secret is written to a tracked file) ---
# Prints: jdbc URI, user, password, host, port, database, S3 protocol.
mapfile -t meta < <("$PY" - "$SLUICE_DRUID_METADATA_URL" "$SLUICE_S3_ENDPOINT_URL" <<'PYEOF'
import sys
from urllib.parse import unquote, urlsplit
db, s3 = urlsplit(sys.argv[1]), urlsplit(sys.argv[2])
name = db.path.lstrip("/") or "druid"
print(f"jdbc:postgresql://{db.hostname}:{db.port or 5432}/{name}")
print(unquote(db.username or "postgres"))
print(unquote(db.password or ""))
print(db.hostname)
print(db.port or 5432)
print(name)
print(s3.scheme or "https")
PYEOF
)
jdbc_uri=${meta[0]} db_user=${meta[1]} db_password=${meta[2]}
db_host=${meta[3]} db_port=${meta[4]} db_name=${meta[5]} s3_protocol=${meta[6]}

druid_props=(
  -Ddruid.metadata.storage.connector.connectURI="$jdbc_uri"
  -Ddruid.metadata.storage.connector.user="$db_user"
  -Ddruid.storage.bucket="$SLUICE_DRUID_DEEP_STORAGE_BUCKET"
  -Ddruid.s3.endpoint.url="$SLUICE_S3_ENDPOINT_URL"
  -Ddruid.s3.endpoint.signingRegion="$SLUICE_S3_REGION"
  -Ddruid.s3.protocol="$s3_protocol"
)
export SLUICE_DRUID_METADATA_PASSWORD=$db_password SLUICE_S3_ACCESS_KEY SLUICE_S3_SECRET_KEY
# The AWS SDK also looks for a region on its own; peons inherit the environment.
export AWS_REGION=$SLUICE_S3_REGION

# Druid's built-in default rule keeps two copies of every segment. With one Historical the
# second copy can never be placed and the Coordinator warns about it on every run, so once it
# answers, make the default one copy (only if it is not already).
ensure_single_replica_rule() {
  local port url
  port=$(sed -n 's/^druid.plaintextPort=//p' "$here/conf/coordinator-overlord/runtime.properties")
  url=http://127.0.0.1:$port/druid/coordinator/v1/rules/_default
  for _ in $(seq 300); do
    if rules=$(curl -sf "$url"); then
      [[ $rules == *'"_default_tier":1}'* ]] && return 0
      curl -sf -X POST -H 'Content-Type: application/json' -H 'X-Druid-Author: druid/run.sh' \
        -d '[{"type":"loadForever","tieredReplicants":{"_default_tier":1}}]' "$url" >/dev/null \
        && echo "druid: default load rule set to one replica" && return 0
    fi
    sleep 1
  done
  echo "druid: could not set the default load rule at $url" >&2
}

case $service in
  coordinator-overlord)
    # The metadata database must exist before the Coordinator creates its tables.
    export PGPASSWORD=$db_password
    for _ in $(seq 60); do
      pg_isready -q -h "$db_host" -p "$db_port" && break
      sleep 1
    done
    pg_isready -q -h "$db_host" -p "$db_port" || {
      echo "druid: PostgreSQL at $db_host:$db_port did not answer within 60 s;" \
           "the Coordinator needs it for Druid's metadata. Is scripts/run-postgres.sh running?" >&2
      exit 1
    }
    if [[ -z $(psql -h "$db_host" -p "$db_port" -U "$db_user" -d postgres -tAc \
          "select 1 from pg_database where datname = '$db_name'") ]]; then
      createdb -h "$db_host" -p "$db_port" -U "$db_user" "$db_name" 2>/dev/null \
        || psql -h "$db_host" -p "$db_port" -U "$db_user" -d "$db_name" -tAc 'select 1' >/dev/null
    fi
    heap=(-Xms512m -Xmx640m) main=coordinator
    ensure_single_replica_rule & ;;
  broker)
    heap=(-Xms512m -Xmx512m -XX:MaxDirectMemorySize=384m) main=broker ;;
  historical)
    heap=(-Xms512m -Xmx512m -XX:MaxDirectMemorySize=384m) main=historical ;;
  middleManager)
    # Peons are forked with this same Java, whatever PATH says.
    heap=(-Xms64m -Xmx128m -Ddruid.indexer.runner.javaCommand="$java") main=middleManager ;;
esac

exec "$java" "${heap[@]}" "${common_flags[@]}" "${module_flags[@]}" "${druid_props[@]}" \
  -cp "$here/conf/$service:$here/conf/_common:$lib/*" \
  org.apache.druid.cli.Main server "$main"
