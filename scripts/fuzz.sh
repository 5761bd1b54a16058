#!/usr/bin/env bash
# Builds the libFuzzer targets (clang) and runs each for a short budget
# from a copy of its committed seed corpus (tests/fuzz/corpus/<target>).
#   scripts/fuzz.sh [SECONDS]       (default 20 per target)
# A crash leaves its input in build-fuzz/findings/<target>/ and fails the
# run; such inputs become regression seeds in the corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
PL_EXTRA_PKGS="clang libclang-rt-14-dev" scripts/setup.sh
scripts/build.sh fuzz >/dev/null
for t in fuzz_rpc fuzz_dimacs; do
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$t/." "$work/"
  mkdir -p "build-fuzz/findings/$t"
  echo "fuzz: $t for ${secs}s"
  (cd "build-fuzz/findings/$t" &&
    ../../tests/fuzz/$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
      -print_final_stats=1 "$work" 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==|SUMMARY)" || true)
  rm -rf "$work"
  if ls "build-fuzz/findings/$t"/crash-* "build-fuzz/findings/$t"/timeout-* >/dev/null 2>&1; then
    echo "fuzz: $t found a failing input in build-fuzz/findings/$t" >&2
    exit 1
  fi
done
echo "fuzz: no findings"
