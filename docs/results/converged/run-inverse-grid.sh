#!/bin/bash
# The methods grid in the conflicting ("inverse") regime of the map (issue #13 step 4): source fakes sharpened
# before the camera (faceworld inverseTrace 0.15), SBI that only softens (data.sbi.sharpenProbability 0); the same
# protocol, budget, methods and seeds as run-grid.sh, plus the SGD-with-momentum rows (inverse-sgd.yaml).
# Resumable: rerun to continue. Run from the repository root after `pnpm build`.
set -euo pipefail
nice_by=$(( $(nice) < 10 ? 10 - $(nice) : 0 ))
regime=(--set data.faceworld.options.inverseTrace=0.15 --set data.sbi.sharpenProbability=0)
common=(--cache out/cache --protocol faceworld-large --seeds 5 --set train.steps=1500 --set train.evalEvery=150
  --set eval.gradcam=0 --progress lines)
nice -n "$nice_by" node apps/benchmark/dist/cli.js grid --out out/grid-inverse "${common[@]}" "${regime[@]}" \
  --methods joint,pcgrad,cagrad,mgda,uvs,uvs+cgr "$@"
nice -n "$nice_by" node apps/benchmark/dist/cli.js grid --out out/grid-inverse-sgd "${common[@]}" "${regime[@]}" \
  --variants docs/results/converged/inverse-sgd.yaml "$@"
