// Cost of one large-batch diagnostics pass against the training steps, at the trainer's defaults (UVS + CGR, small
// CNN at 64 px, batch 8, faceworld) unless overridden: trains `steps` steps with one pass at the end and prints the
// mean step time, the pass time and what the pass schedule would cost over a default run.
//
//   node apps/trainer/bench/diagnostics-cost.mjs [steps=50] [--set key=value ...]
//
// Build first (`npx tsc -p apps/trainer/tsconfig.build.json`). Both times come from the same run, so machine load
// affects them alike; the ratio is the figure to quote.
import { readFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, largeBatchPlan, resolveConfig, train } from '../dist/index.js';

const args = process.argv.slice(2);
const steps = Number(args[0] ?? 50);
const sets = [];
for (let i = 1; i < args.length; i++) if (args[i] === '--set') sets.push(args[++i]);
const raw = applyOverrides({}, [
  `train.steps=${steps}`,
  `train.evalEvery=${steps}`,
  `train.checkpointEvery=${steps}`,
  `diagnostics.largeBatchEvery=${steps}`,
  'eval.gradcam=0',
  ...sets,
]);
const config = resolveConfig(raw);
const out = join(tmpdir(), `cs-dfd-diag-cost-${process.pid}`);
const { report } = await train({ config, out });
const log = (await readFile(join(out, 'log.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const stepMs = log.filter((r) => r.type === 'step').map((r) => r.ms);
// The first steps pay for kernel compilation and warm-up; the median is the steady state.
const sorted = [...stepMs].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
const mean = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
const diag = log.filter((r) => r.type === 'diagnostics');
const pass = diag.at(-1);
const defaults = resolveConfig({});
const plan = largeBatchPlan(defaults);
const passes = plan.every > 0 ? Math.ceil(defaults.train.steps / plan.every) : 0;
console.log(
  `machine: ${cpus()[0]?.model} x${cpus().length}, node ${process.version}, backend ${report.backend}`,
);
console.log(`config: ${JSON.stringify(raw)}`);
console.log(
  `steps: ${stepMs.length}, step ms mean ${mean.toFixed(0)} median ${median.toFixed(0)}; training ${report.seconds.toFixed(1)} s`,
);
console.log(
  `diagnostics pass: ${pass.chunks} chunks, samples/source ${JSON.stringify(pass.samples)}: ${(pass.ms / 1000).toFixed(1)} s = ${(pass.ms / median).toFixed(1)} median steps`,
);
console.log(
  `default schedule (every ${plan.every}, ${plan.chunks} chunks, ${passes} passes in ${defaults.train.steps} steps): ` +
    `${(((passes * pass.ms * (plan.chunks / pass.chunks)) / (defaults.train.steps * median)) * 100).toFixed(1)}% of training time`,
);
console.log(`cos ${pass.cosine}, corrected ${pass.corrected}, split-half ${JSON.stringify(pass.splitHalf)}`);
