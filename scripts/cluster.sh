#!/usr/bin/env bash
# A local cluster (docs/scaling.md): etcd, 3 pitlaned nodes (n1..n3) and
# HAProxy (HTTP/2 cleartext) on 127.0.0.1, data under var/cluster. The
# router listens on 127.0.0.1:50060 (PL_ROUTER_PORT); --demo maps the demo
# chain to n1. Prints the platform admin key and how to move a chain.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec node scripts/cluster.js up --dir var/cluster --nodes "${PL_NODES:-3}" \
  --port "${PL_ROUTER_PORT:-50060}" "$@"
