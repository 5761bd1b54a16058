#!/usr/bin/env bash
# Configures and builds into build/ (build-asan/ with `asan`, build-tsan/
# with `tsan`).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-release}
jobs=${PL_JOBS:-$(nproc)}
case "$mode" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DPL_SANITIZE=ON -DPL_BENCH=OFF) ;;
  fuzz)    dir=build-fuzz; export CC=clang CXX=clang++
           flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPL_FUZZ=ON -DPL_BENCH=OFF) ;;
  tsan)    dir=build-tsan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPL_TSAN=ON -DPL_BENCH=OFF) ;;
  *) echo "usage: scripts/build.sh [release|asan|tsan|fuzz]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$jobs"
