#!/bin/sh
# Builds the pre-optimisation implementation (default commit 4c352a7) into bench/.baseline/dist, so that
# bench/sbi.bench.js can time it interleaved with the current build in the same process and load.
set -e
commit=${1:-4c352a718784b2af9b2246cf1d1d77460b0569b4}
here=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$here/bench/.baseline"
mkdir -p "$here/bench/.baseline"
git -C "$here" archive "$commit" src | tar -x -C "$here/bench/.baseline"
cat > "$here/bench/.baseline/tsconfig.json" <<JSON
{ "extends": "../../tsconfig.build.json", "compilerOptions": { "rootDir": "src", "outDir": "dist" }, "include": ["src"] }
JSON
cd "$here" && npx tsc -p bench/.baseline/tsconfig.json
