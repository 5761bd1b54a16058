#!/usr/bin/env bash
# Builds the libFuzzer targets (clang) and runs each for a budget from a
# copy of its committed seed corpus (tests/fuzz/corpus/<target>);
# fuzz_rpc with its dictionary (tests/fuzz/rpc.dict) and its structure-
# aware mutator (in fuzz_rpc.c).
#   scripts/fuzz.sh [SECONDS]   seconds per target (default 20: CI's short
#                               budget; long mode e.g. `scripts/fuzz.sh 3600`)
#   PL_FUZZ_MERGE=1             merge what the run found new coverage with
#                               back into the committed corpus (minimized)
# A crash leaves its input in build-fuzz/findings/<target>/ and fails the
# run; such inputs become regression seeds in the corpus. The last run's
# numbers (seconds, executions, findings) are in
# build-fuzz/findings/<target>/last-run.txt, for docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
PL_EXTRA_PKGS="clang libclang-rt-14-dev" scripts/setup.sh
scripts/build.sh fuzz >/dev/null
root=$(pwd)
for t in fuzz_rpc fuzz_dimacs; do
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$t/." "$work/"
  mkdir -p "build-fuzz/findings/$t"
  dict=()
  [ -f "tests/fuzz/${t#fuzz_}.dict" ] && dict=("-dict=$root/tests/fuzz/${t#fuzz_}.dict")
  echo "fuzz: $t for ${secs}s"
  (cd "build-fuzz/findings/$t" &&
    "$root/build-fuzz/tests/fuzz/$t" "${dict[@]}" -max_total_time="$secs" -timeout=10 \
      -rss_limit_mb=4096 -print_final_stats=1 "$work" 2>&1 |
    grep -E "^(Done|stat::number_of_executed_units|==|SUMMARY)" | tee last-run.txt || true)
  if [ "${PL_FUZZ_MERGE:-0}" = 1 ]; then
    "build-fuzz/tests/fuzz/$t" -merge=1 "tests/fuzz/corpus/$t" "$work" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  if ls "build-fuzz/findings/$t"/crash-* "build-fuzz/findings/$t"/timeout-* >/dev/null 2>&1; then
    echo "fuzz: $t found a failing input in build-fuzz/findings/$t" >&2
    exit 1
  fi
done
echo "fuzz: no findings"
