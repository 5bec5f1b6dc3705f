#!/bin/bash
# The regime map: 3 knob settings x orig-only/syn-only/joint x 3 seeds at the converged budget, benchmark-sized
# test sets. Resumable like every grid: rerun to continue. Start it only after run-grid.sh has finished (one
# training process at a time on the shared 2-core machine). The "default" rows repeat the default regime, so the
# map and the methods grid share the default dataset.
set -euo pipefail
# niceness 10 whether started plain or from a script that is already niced
exec nice -n $(( $(nice) < 10 ? 10 - $(nice) : 0 )) node apps/benchmark/dist/cli.js grid --out out/regime-map --cache out/cache \
  --protocol faceworld-large --variants docs/results/converged/regime-map.yaml --seeds 3 \
  --set train.steps=1500 --set train.evalEvery=150 --set train.checkpointEvery=50 --set eval.gradcam=0 --progress lines "$@"
