#!/usr/bin/env bash
# SeaweedFS (`weed mini`) as the S3 server. Its data, logs and sockets stay under .data/s3.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
dir=$DATA/s3
mkdir -p "$dir/data" "$dir/logs"
port=$STACK_S3_PORT
# The one identity (Sluice and Druid share it), rendered from the settings each start (the keys
# are generated into .data/secrets, core/stack_secrets.py) into a file only we can read.
(umask 077 && : >"$dir/s3.json")
chmod 600 "$dir/s3.json"
"$PY" - "$dir/s3.json" <<'PYEOF'
import json, sys
from core.settings import Settings
s = Settings()
identities = [
    {"name": "sluice", "credentials": [{"accessKey": s.s3_access_key, "secretKey": s.s3_secret_key}],
     "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
]
json.dump({"identities": identities}, open(sys.argv[1], "w"), indent=2)
PYEOF
# weed mini's other servers listen at fixed offsets from the S3 port (for 8333: filer 8889,
# master 9333, volume 9340, admin 23646; gRPC +10000 each), so a second stack on another S3
# port collides with nothing of the first, nor removes its admin socket.
admin_port=$((port + 15313))
rm -f "/tmp/seaweedfs-admin-grpc-$((admin_port + 10000)).sock"
exec "$VENV/bin/weed" -logdir="$dir/logs" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -s3.port="$port" -s3.config="$dir/s3.json" -filer.port=$((port + 556)) \
  -master.port=$((port + 1000)) -volume.port=$((port + 1007)) -admin.port="$admin_port" \
  -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
  -s3.localSocket="$dir/s3.sock" -filer.localSocket="$dir/filer.sock"
