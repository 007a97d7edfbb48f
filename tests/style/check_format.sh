#!/usr/bin/env bash
# Every C and C++ source in the tree follows .clang-format.
# Exit 77 (SKIPPED) where clang-format is not installed.
set -uo pipefail
source_dir=$1
command -v clang-format > /dev/null || { echo "SKIPPED: clang-format is not installed"; exit 77; }
cd "$source_dir"
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' 2>/dev/null ||
                     find . -path ./build -prune -o \( -name '*.[ch]' -o -name '*.[ch]pp' \) -print)
clang-format --dry-run -Werror "${files[@]}"
