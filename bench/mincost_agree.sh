#!/usr/bin/env bash
# usage: mincost_agree.sh PL_MINCOST LEMON_MINCOST GENERATOR ARG...
# Generates one instance (python3 GENERATOR ARG...) into a temp dir, solves
# it with both tools and fails unless they print the same optimal cost. An
# ARG spelled RANDOM becomes a fresh random seed, printed first so a
# failure can be replayed (run again with that number in its place). Used
# by the transfers_mincost_lemon* ctests: the dense chain generator
# (STORES DCS SEED) and bench/gen_sparse_dimacs.py (NODES SEED ...).
set -euo pipefail
pl=$1 lemon=$2 gen=$3
shift 3
args=()
for a in "$@"; do
  if [ "$a" = RANDOM ]; then
    a=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    echo "seed $a"
  fi
  args+=("$a")
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/pl-mincost-agree.XXXXXX")
trap 'rm -rf "$dir"' EXIT
python3 "$gen" "${args[@]}" >"$dir/i.min"
echo "instance: $(basename "$gen") ${args[*]}"
a=$("$pl" "$dir/i.min")
b=$("$lemon" "$dir/i.min")
echo "pl-mincost:    $a"
echo "lemon-mincost: $b"
ca=$(awk '{for (i = 1; i < NF; i++) if ($i == "cost") print $(i + 1)}' <<<"$a")
cb=$(awk '{for (i = 1; i < NF; i++) if ($i == "cost") print $(i + 1)}' <<<"$b")
if [ -z "$ca" ] || [ "$ca" != "$cb" ]; then
  echo "costs differ: pl-mincost '$ca', lemon-mincost '$cb'" >&2
  exit 1
fi
echo "agree: cost $ca"
