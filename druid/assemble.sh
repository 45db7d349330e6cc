#!/usr/bin/env bash
# Assemble Druid's jars from Maven Central into $DRUID_LIB (default: a per-user cache outside
# the tracked tree). Idempotent: does nothing when the cache is complete. After the first
# download, Maven works offline from ~/.m2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=25.0.0
lib=${DRUID_LIB:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice/druid-$version/lib}
stamp="$lib/.complete"
# The stamp holds the pom's checksum (not its mtime: a fresh clone makes every file "new").
want=$(sha256sum "$here/pom.xml" | cut -d' ' -f1)
if [[ -f "$stamp" && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi
# Druid's parent pom declares two non-Central repositories (sigar, cflt-public). Map them to
# Central, whose address we read from Maven's own super-POM rather than writing it here.
central=$(unzip -p /usr/share/maven/lib/maven-model-builder-*.jar org/apache/maven/model/pom-4.0.0.xml \
  | grep -m1 -o '<url>[^<]*</url>' | sed -e 's/<url>//' -e 's/<\/url>//')
settings=$(mktemp)
trap 'rm -f "$settings"' EXIT
sed "s|@CENTRAL@|$central|" "$here/maven-settings.xml" > "$settings"
echo "druid: assembling Druid $version jars into $lib (first time downloads ~500 MB)"
mkdir -p "$lib"
mvn -B -q -s "$settings" -f "$here/pom.xml" package -Ddruid.lib.dir="$lib" \
  -Dmaven.repo.local="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
rm -rf "$here/target"
echo "$want" > "$stamp"
echo "druid: $(ls "$lib" | wc -l) jars ready"
