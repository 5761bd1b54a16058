#!/usr/bin/env bash
# Quick start (a): install what is missing, build, and run pitlaned on
# 127.0.0.1:50051 with its RocksDB under ./var and the demo chain loaded.
# Extra arguments go to pitlaned (e.g. --threads 4). Ctrl-C stops it
# gracefully. Every call but Health needs a bearer key: --demo writes the
# demo's keys (platform admin, one per role) to var/db/demo-keys.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
mkdir -p var
echo "run: API keys (bearer tokens) are in var/db/demo-keys.json once it starts;" \
  "tests/e2e/admin-call.js uses its platform-admin key, pl-load takes --key"
exec build/pitlaned --listen "${PL_LISTEN:-127.0.0.1:50051}" --data var/db --demo "$@"
