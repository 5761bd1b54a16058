#!/usr/bin/env bash
# usage: mincost_agree.sh PL_MINCOST LEMON_MINCOST GENERATOR STORES DCS SEED
# Generates one chain-transfer instance into a temp dir, solves it with both
# tools and fails unless they print the same optimal cost. Used by the
# transfers_mincost_lemon ctest.
set -euo pipefail
pl=$1 lemon=$2 gen=$3 stores=$4 dcs=$5 seed=$6
dir=$(mktemp -d "${TMPDIR:-/tmp}/pl-mincost-agree.XXXXXX")
trap 'rm -rf "$dir"' EXIT
python3 "$gen" "$stores" "$dcs" "$seed" >"$dir/i.min"
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
