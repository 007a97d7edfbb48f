#!/usr/bin/env bash
# tools/plugin-template built the way a third party builds a plugin: out of tree, with
# nothing but the headers and CMake package that `cmake --install` puts in a prefix.
# Then `sluice plugins` must load all three.
# Usage: build_template.sh SOURCE_DIR BUILD_DIR SLUICE
set -euo pipefail
source_dir=$1 build_dir=$2 sluice=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/include/sluice/plugin.h"
test -f "$work/prefix/lib/cmake/sluice_plugin_api/sluice_plugin_apiConfig.cmake"

# A copy of the template outside the source tree, so nothing can reach back into it.
cp -r "$source_dir/tools/plugin-template" "$work/template"
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
# Plain flags: the template is built as a third party would, whatever this build uses.
env -u CFLAGS -u CXXFLAGS cmake -S "$work/template" -B "$work/build" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
if grep -q -- "-I$source_dir" "$work/build/compile_commands.json"; then
  echo "FAILED: the template build used the source tree's headers"
  exit 1
fi

printf '[plugins]\ndirs = ["build"]\n' > "$work/sluice.toml"
"$sluice" plugins --config "$work/sluice.toml" --json > "$work/plugins.json"
python3 - "$work/plugins.json" "$work/build" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
found = {p["name"]: p for p in data["plugins"]}
expected = {"template-backend": "backend", "template-scheduler": "scheduler",
            "template-guardrail": "guardrail"}
bad = []
for name, kind in expected.items():
    p = found.get(name)
    if not p or p["status"] != "loaded" or p["kind"] != kind or not p["path"].startswith(sys.argv[2]):
        bad.append(f"{name}: {p}")
if bad:
    print("FAILED:", *bad, sep="\n  ")
    sys.exit(1)
print("out-of-tree template plugins loaded:", ", ".join(sorted(expected)))
PY
