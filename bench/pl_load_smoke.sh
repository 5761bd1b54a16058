#!/usr/bin/env bash
# Smoke run of the gRPC load generator against a fresh pitlaned --demo:
# with the demo's platform key every call succeeds (get-store and the
# chain-creating recommend scenario); without a key every call is refused
# (pl-load exits non-zero). No figures are asserted.
#   pl_load_smoke.sh PITLANED PL_LOAD
set -euo pipefail
pitlaned=$1
pl_load=$2
dir=$(mktemp -d)
out=$dir/out
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
"$pitlaned" --listen 127.0.0.1:0 --data "$dir/db" --threads 2 --demo >"$out" 2>&1 &
pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$out" && break
  sleep 0.1
done
addr=$(sed -n 's/.*listening on \([0-9.]*:[0-9]*\).*/\1/p' "$out")
[ -n "$addr" ] || { cat "$out"; exit 1; }
key=$(sed -n 's/.*"platform-admin": "\([^"]*\)".*/\1/p' "$dir/db/demo-keys.json")
"$pl_load" --target "$addr" --scenario get-store --seconds 0.3 --warmup 0 --concurrency 4 --key "$key"
PITLANE_KEY=$key "$pl_load" --target "$addr" --scenario recommend --seconds 0.3 --warmup 0 --concurrency 4
if "$pl_load" --target "$addr" --scenario get-store --seconds 0.2 --warmup 0 --concurrency 2 2>"$dir/err"; then
  echo "pl_load_smoke: calls without a key succeeded" >&2
  exit 1
fi
grep -q "status 16" "$dir/err" || { cat "$dir/err"; exit 1; } # UNAUTHENTICATED
echo "pl_load_smoke: ok"
