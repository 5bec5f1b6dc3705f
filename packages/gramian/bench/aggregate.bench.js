// Cost of the tensor-side contract per step on one backend: G (gramOfTensors), the whole aggregate() with the mean
// weighting, and EmaCosineTracker.update (what the trainer's emaCosine adds to a step), for K = 2 tasks of P
// parameters; plus nnls solve times on K-sized problems. Medians of ROUNDS runs after a warm-up.
// Run: pnpm build && pnpm --filter @cs-dfd/gramian bench   (cpu backend; prints machine and backend)
import os from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mean } from '../dist/index.js';
import { nnls } from '../dist/linalg.js';
import { aggregate, EmaCosineTracker, gramOfTensors } from '../dist/tfjs.js';

await tf.setBackend('cpu');
const ROUNDS = 15;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (f) => {
  f();
  const ms = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
};

console.log(
  `${os.cpus()[0]?.model} ×${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}, Node ${process.version}`,
);
console.log(`backend ${tf.getBackend()}, tfjs ${tf.version_core}`);
for (const P of [1e5, 1e6]) {
  // four parameters of P/4 entries each, K = 2
  const grads = [1, 2].map((seed) => {
    const m = {};
    for (let p = 0; p < 4; p++) m[`p${p}`] = tf.randomNormal([P / 4], 0, 1, 'float32', seed * 10 + p);
    return m;
  });
  const g = time(() => gramOfTensors(grads));
  const a = time(() => tf.dispose(Object.values(aggregate(grads, mean()).update)));
  const tracker = new EmaCosineTracker(0.9);
  const e = time(() => tracker.update(grads));
  tracker.dispose();
  console.log(
    `P = ${P.toExponential(0)}: gramOfTensors ${g.toFixed(2)} ms, aggregate(mean) ${a.toFixed(2)} ms, EmaCosineTracker.update ${e.toFixed(2)} ms (${(e / a).toFixed(2)}× aggregate)`,
  );
  for (const m of grads) tf.dispose(Object.values(m));
}

// nnls on random m×n problems (m = n + 1, like minNormOnSimplex's reduction)
let s = 12345;
const rnd = () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 2 ** 32 - 0.5;
};
for (const n of [2, 8, 16, 32]) {
  const m = n + 1;
  const problems = Array.from({ length: 200 }, () => ({
    C: Float64Array.from({ length: m * n }, rnd),
    d: Float64Array.from({ length: m }, rnd),
  }));
  const ms = time(() => {
    for (const p of problems) nnls(p.C, p.d, m, n);
  });
  console.log(`nnls ${m}×${n}: ${((ms / problems.length) * 1000).toFixed(1)} µs per solve`);
}
