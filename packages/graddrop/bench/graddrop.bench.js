// Cost of one GradDrop step: host float64 path vs the tfjs path (draws made on the host and uploaded), and the share
// of the draws alone. Run after `pnpm run build`: node bench/graddrop.bench.js [P] [K]
import os from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { gradDrop, seededUniforms } from '../dist/index.js';

const P = Number(process.argv[2] ?? 1_000_000);
const K = Number(process.argv[3] ?? 2);
await tf.setBackend('cpu');
await tf.ready();

const host = Array.from({ length: K }, (_, i) =>
  Float64Array.from({ length: P }, (_, p) => Math.sin(p * (i + 1))),
);
const maps = host.map((g) => ({ w: tf.tensor(Float32Array.from(g), [P]) }));

function time(label, fn, reps = 5) {
  fn(); // warm-up
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) fn();
  const ms = (performance.now() - t0) / reps;
  console.log(`${label.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms`);
  return ms;
}

console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`);
console.log(`backend: ${tf.getBackend()} (tfjs-core ${tf.version_core}), P = ${P}, K = ${K}`);
const draws = time('draws only (seededUniforms)', () => seededUniforms(1).next(P));
const onHost = time('aggregate (host, float64)', () => gradDrop({ seed: 1 }).aggregate(host));
const onTensors = time('aggregateTensors (backend)', () => {
  const out = gradDrop({ seed: 1 }).aggregateTensors(maps);
  out.w.dataSync();
  out.w.dispose();
});
console.log(
  `draws / host step: ${(draws / onHost).toFixed(2)}, draws / tensor step: ${(draws / onTensors).toFixed(2)}`,
);
