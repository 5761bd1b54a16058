#!/usr/bin/env bash
# Quick start (a): install what is missing, build, and run pitlaned on
# 127.0.0.1:50051 with its RocksDB under ./var and the demo chain loaded,
# and the browser gateway (clients/gateway) on 127.0.0.1:8080 serving the
# web console (/) and the mobile client (/m/). Extra arguments go to
# pitlaned (e.g. --threads 4). Ctrl-C stops both gracefully.
# Every call but Health needs a bearer key: --demo writes the demo's keys
# (platform admin, one per role) to var/db/demo-keys.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
mkdir -p var
listen=${PL_LISTEN:-127.0.0.1:50051}
echo "run: API keys (bearer tokens) are in var/db/demo-keys.json once it starts;" \
  "the console asks for one; tests/e2e/admin-call.js uses its platform-admin key"
# Background jobs of a script ignore SIGINT, so Ctrl-C reaches them as the
# SIGTERM sent here (pitlaned shuts down gracefully on it).
build/pitlaned --listen "$listen" --data var/db --demo "$@" &
srv=$!
node clients/gateway/server.js --listen "${PL_GATEWAY_LISTEN:-127.0.0.1:8080}" --target "$listen" &
gw=$!
trap 'kill -TERM "$gw" "$srv" 2>/dev/null || true' INT TERM
rc=0
while kill -0 "$srv" 2>/dev/null; do
  wait "$srv" && rc=0 || rc=$?
done
kill -TERM "$gw" 2>/dev/null || true
wait "$gw" 2>/dev/null || true
exit "$rc"
