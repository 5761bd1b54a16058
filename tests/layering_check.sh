#!/bin/sh
# tests/layering_check.sh — the engine's layering rule (docs/architecture.md
# "What crosses subsystems"), checked on the includes of every engine file.
#
# A file in engine/src/<F>/ may include, with quotes:
#   - its own folder's headers ("F/x.h");
#   - base/ (domain-free) and core/ (registry, change feed, commit path)
#     headers — except base/, which includes only base/;
#   - another subsystem's cross header ("G/*_xs.h"), its documented list of
#     what other subsystems may call;
#   - the public headers ("pitlane/*.h").
# Public headers (engine/include/pitlane/*.h) include only pitlane/ ones
# (or a sibling by its bare name).
# engine/src/testing.c (pitlane/testing.h, for tests and benchmarks only)
# reaches into private headers on purpose and is not checked.
#
# Usage: layering_check.sh REPO_ROOT   prints each crossing, exits 1 if any
#        layering_check.sh --self-test checks that a crossing is caught
set -u

check() {
  root=$1
  bad=0
  for f in $(cd "$root" && find engine/src -mindepth 2 -name '*.[ch]' | sort); do
    dir=${f#engine/src/}
    dir=${dir%%/*}
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$root/$f"); do
      case $inc in
      */*) ;;
      *) continue ;; # same folder
      esac
      g=${inc%%/*}
      case $g in
      "$dir" | pitlane) continue ;;
      base | core) [ "$dir" != base ] && continue ;;
      esac
      case $inc in
      */*_xs.h) [ "$dir" != base ] && continue ;;
      esac
      echo "$f: includes \"$inc\" (another subsystem's private header)"
      bad=1
    done
  done
  for f in $(cd "$root" && find engine/include -name '*.h' | sort); do
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$root/$f"); do
      case $inc in
      pitlane/*) ;;
      */*)
        echo "$f: public header includes \"$inc\""
        bad=1
        ;;
      esac
    done
  done
  return $bad
}

if [ "${1:-}" = --self-test ]; then
  t=$(mktemp -d) || exit 1
  trap 'rm -rf "$t"' EXIT
  mkdir -p "$t/engine/src/a" "$t/engine/src/b" "$t/engine/include/pitlane"
  printf '#include "b/b_xs.h"\n#include "core/x.h"\n' >"$t/engine/src/a/ok.c"
  check "$t" >/dev/null || { echo "self-test: allowed includes refused"; exit 1; }
  printf '#include "b/b_int.h"\n' >"$t/engine/src/a/bad.c"
  out=$(check "$t") && { echo "self-test: private crossing not caught"; exit 1; }
  echo "$out" | grep -q 'engine/src/a/bad.c: includes "b/b_int.h"' ||
    { echo "self-test: wrong report: $out"; exit 1; }
  echo "self-test: ok"
  exit 0
fi

[ $# -eq 1 ] || { echo "usage: $0 REPO_ROOT | --self-test" >&2; exit 2; }
check "$1" || exit 1
echo "engine layering: ok"
