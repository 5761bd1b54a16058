#!/usr/bin/env bash
# Smoke run of the gRPC load generator against a fresh pitlaned --demo:
# with the demo's platform key every call succeeds (get-store, the
# chain-creating recommend scenario, and the insurer scenario with keys of
# its own); without a key every call is refused
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
# insurers' claims mixed with slot queries; pl-load itself fails if an
# acknowledged claim is missing or stored twice afterwards
"$pl_load" --target "$addr" --scenario insurer --insurers 3 --seconds 0.3 --warmup 0 --concurrency 8 --key "$key" | tee "$dir/ins"
grep -q "lost=0 duplicated=0" "$dir/ins"
if "$pl_load" --target "$addr" --scenario get-store --seconds 0.2 --warmup 0 --concurrency 2 2>"$dir/err"; then
  echo "pl_load_smoke: calls without a key succeeded" >&2
  exit 1
fi
grep -q "status 16" "$dir/err" || { cat "$dir/err"; exit 1; } # UNAUTHENTICATED
echo "pl_load_smoke: ok"
