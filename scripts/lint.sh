#!/usr/bin/env bash
# Style and static checks: clang-format (.clang-format), cppcheck and
# clang-tidy (.clang-tidy) over our C sources. Needs a configured build/
# (compile_commands.json). Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t srcs < <(git ls-files 'engine/*.[ch]' 'api/*.[ch]' 'tests/*.[ch]' 'bench/*.[ch]' 'bench/*.cc')
mapfile -t csrcs < <(git ls-files 'engine/src/*.c' 'api/*.c')
clang-format --dry-run -Werror "${srcs[@]}"
cppcheck --enable=warning,performance,portability --std=c11 --error-exitcode=1 -q \
  -I engine/include -I engine/src engine/src api
clang-tidy -p build --quiet --warnings-as-errors='*' "${csrcs[@]}" 2>/dev/null
echo "lint: clean"
