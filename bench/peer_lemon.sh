#!/usr/bin/env bash
# usage: bench/peer_lemon.sh [BUILD_DIR]
# pl-mincost next to lemon-mincost (LEMON NetworkSimplex) on chain-transfer
# instances from the shared generator (../shared/bench/gen_transfer_dimacs.py,
# override with PL_TRANSFER_GEN): 200 stores / 3 DCs, 2000 / 10, 10000 / 10.
# For each: both optimal costs (must be equal), both solve times (best of
# PL_PEER_RUNS runs, default 3; solve only, not file reading) and the ratio.
# An instance whose generation takes more than 2 minutes is skipped with a
# message. Instances live in a temp dir that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
gen=${PL_TRANSFER_GEN:-../shared/bench/gen_transfer_dimacs.py}
runs=${PL_PEER_RUNS:-3}
pl="$build/bench/pl-mincost"
lemon="$build/bench/lemon-mincost"
for t in "$pl" "$lemon"; do
  [ -x "$t" ] || { echo "peer_lemon: $t missing (build first; lemon-mincost needs liblemon-dev)" >&2; exit 1; }
done
[ -f "$gen" ] || { echo "peer_lemon: generator $gen not found" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/pl-peer-lemon.XXXXXX")
trap 'rm -rf "$dir"' EXIT

field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }
# best (smallest) solve_ms over $runs runs; prints "cost ms"
best_of() {
  local tool=$1 file=$2 best="" cost="" line ms
  for _ in $(seq "$runs"); do
    line=$("$tool" "$file")
    cost=$(field cost <<<"$line")
    ms=$(field solve_ms <<<"$line")
    if [ -z "$best" ] || awk -v a="$ms" -v b="$best" 'BEGIN{exit !(a < b)}'; then best=$ms; fi
  done
  echo "$cost $best"
}

printf '%-14s %8s %9s %14s %12s %14s %7s\n' instance nodes arcs cost pl_ms lemon_ms ratio
status=0
for spec in 200:3 2000:10 10000:10; do
  stores=${spec%:*} dcs=${spec#*:}
  f="$dir/s$stores.min"
  if ! timeout 120 python3 "$gen" "$stores" "$dcs" 1 >"$f"; then
    echo "skip ${stores} stores: generation took more than 2 min (or failed)"
    rm -f "$f"
    continue
  fi
  read -r nodes arcs < <(awk '$1 == "p" {print $3, $4; exit}' "$f")
  read -r pc pms < <(best_of "$pl" "$f")
  read -r lc lms < <(best_of "$lemon" "$f")
  ratio=$(awk -v a="$pms" -v b="$lms" 'BEGIN{printf "%.2f", a / b}')
  printf '%-14s %8s %9s %14s %12s %14s %7s\n' "$stores/$dcs" "$nodes" "$arcs" "$pc" "$pms" "$lms" "$ratio"
  if [ "$pc" != "$lc" ]; then
    echo "  COST MISMATCH: pl-mincost $pc, lemon-mincost $lc" >&2
    status=1
  fi
  rm -f "$f"
done
echo "ratio = pl-mincost solve time / lemon-mincost solve time (< 1: faster than LEMON)"
exit $status
