#!/bin/bash
# Copies a grid's finished results into docs/results (what the older grids commit): results.json, summary.json,
# tables.md, summary.csv, the HTML report and plots, and per finished cell report.json, report.md and cell.json
# (not checkpoints, logs or frame scores: ~2 MB a cell). Safe while the grid runs (its writes are atomic).
# Usage: docs/results/converged/collect.sh out/grid-converged docs/results/converged/grid
set -euo pipefail
src=${1:?grid folder}
dst=${2:?destination folder}
[ -f "$src/results.json" ] || { echo "no results.json in $src yet (no cell has finished)"; exit 1; }
nice -n 10 node apps/benchmark/dist/cli.js grid --out "$src" --summarize-only > /dev/null
mkdir -p "$dst"
cp "$src"/{results.json,summary.json,tables.md,summary.csv,index.html} "$dst"/
rm -rf "$dst/plots" && cp -r "$src/plots" "$dst/plots"
for r in "$src"/cells/*/seed-*/report.json; do
  cell=$(dirname "$r"); rel=${cell#"$src"/}
  mkdir -p "$dst/$rel"
  cp "$cell"/{report.json,report.md,cell.json} "$dst/$rel/"
done
echo "collected $(ls "$src"/cells/*/seed-*/report.json | wc -l) finished cells into $dst"
