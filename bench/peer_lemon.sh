#!/usr/bin/env bash
# usage: bench/peer_lemon.sh [BUILD_DIR]
# pl-mincost next to lemon-mincost (LEMON NetworkSimplex) on two families,
# each at 500, 3,000, 5,000, 20,000 and 50,000 nodes (PL_PEER_SIZES):
#  dense   chain-transfer instances of the shared generator
#          (../shared/bench/gen_transfer_dimacs.py, override with
#          PL_TRANSFER_GEN): NODES - 11 stores, 10 DCs, a sink, seed 1;
#          every store lanes to all stores within 150 km and every DC to
#          every store, capacities never bind;
#  sparse  bench/gen_sparse_dimacs.py NODES 1 (degree 4, binding
#          capacities, free and parallel lanes, transshipment nodes, exact
#          balance), plus degree 2 and 8 at 20,000 nodes.
# For each: both optimal costs (the script fails if they differ), the
# median of PL_PEER_RUNS (default 3) solve times per tool, runs
# interleaved (solve only, not file reading), and the ratio pl / LEMON.
# An instance is skipped with a message when its generation fails or
# takes more than PL_PEER_GEN_TIMEOUT seconds (default 180), or, dense
# only, when it would hold more than PL_PEER_MAX_ARCS arcs (default
# 8,000,000: the dense family grows with the square of the stores, ~28 M
# arcs at 20,000 nodes, more than this shared machine should be asked
# for). Instances live in a temp dir that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
dense_gen=${PL_TRANSFER_GEN:-../shared/bench/gen_transfer_dimacs.py}
sparse_gen=bench/gen_sparse_dimacs.py
runs=${PL_PEER_RUNS:-3}
sizes=${PL_PEER_SIZES:-500 3000 5000 20000 50000}
gen_timeout=${PL_PEER_GEN_TIMEOUT:-180}
max_arcs=${PL_PEER_MAX_ARCS:-8000000}
pl="$build/bench/pl-mincost"
lemon="$build/bench/lemon-mincost"
for t in "$pl" "$lemon"; do
  [ -x "$t" ] || { echo "peer_lemon: $t missing (build first; lemon-mincost needs liblemon-dev)" >&2; exit 1; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/pl-peer-lemon.XXXXXX")
trap 'rm -rf "$dir"' EXIT

field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

printf '%-10s %7s %9s %14s %10s %10s %6s\n' family nodes arcs cost pl_ms lemon_ms ratio
status=0
# run NAME FILE: both tools, $runs times each, interleaved
run() {
  local name=$1 f=$2 nodes arcs pc lc pms lms ratio p l
  read -r nodes arcs < <(awk '$1 == "p" {print $3, $4; exit}' "$f")
  : >"$dir/pl.t"
  : >"$dir/lemon.t"
  for _ in $(seq "$runs"); do
    p=$("$pl" "$f")
    l=$("$lemon" "$f")
    pc=$(field cost <<<"$p")
    lc=$(field cost <<<"$l")
    field solve_ms <<<"$p" >>"$dir/pl.t"
    field solve_ms <<<"$l" >>"$dir/lemon.t"
  done
  pms=$(median <"$dir/pl.t")
  lms=$(median <"$dir/lemon.t")
  ratio=$(awk -v a="$pms" -v b="$lms" 'BEGIN{printf "%.2f", a / b}')
  printf '%-10s %7s %9s %14s %10s %10s %6s\n' "$name" "$nodes" "$arcs" "$pc" "$pms" "$lms" "$ratio"
  if [ "$pc" != "$lc" ]; then
    echo "  COST MISMATCH: pl-mincost $pc, lemon-mincost $lc" >&2
    status=1
  fi
  rm -f "$f"
}
# generate NAME FILE CMD...: runs the generator under the timeout
generate() {
  local name=$1 f=$2
  shift 2
  if ! timeout "$gen_timeout" "$@" >"$f"; then
    echo "skip $name: generation failed or took more than ${gen_timeout} s"
    rm -f "$f"
    return 1
  fi
}

for n in $sizes; do
  stores=$((n - 11))
  est=$(awk -v s="$stores" 'BEGIN{printf "%d", s * s * 3.14159 * 0.0225 + s * 10}')
  if [ ! -f "$dense_gen" ]; then
    echo "skip dense $n: generator $dense_gen not found"
  elif [ "$est" -gt "$max_arcs" ]; then
    echo "skip dense $n: ~$est arcs > PL_PEER_MAX_ARCS=$max_arcs"
  elif generate "dense $n" "$dir/d$n.min" python3 "$dense_gen" "$stores" 10 1; then
    run dense "$dir/d$n.min"
  fi
  if generate "sparse $n" "$dir/s$n.min" python3 "$sparse_gen" "$n" 1; then
    run sparse "$dir/s$n.min"
  fi
  if [ "$n" = 20000 ]; then
    for d in 2 8; do
      if generate "sparse-d$d $n" "$dir/s$n-$d.min" python3 "$sparse_gen" "$n" 1 "$d"; then
        run "sparse-d$d" "$dir/s$n-$d.min"
      fi
    done
  fi
done
echo "ratio = pl-mincost / lemon-mincost median solve time (< 1: faster than LEMON)"
exit $status
