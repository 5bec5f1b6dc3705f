// @ts-check
// Per-kernel time of one forward+backward of the DESIGN §12 CNN on wasm (one source: 16×64×64×3), from
// tf.profile. Run: node bench/kernel-profile.mjs [batch]
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../dist/index.js';
import { bceWithLogits } from '../dist/ops/index.js';

const B = Number(process.argv[2] ?? 16);
const REPS = Number(process.argv[3] ?? 10);
await initBackend({ backend: 'wasm' });
const init = (shape, fanIn, s) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', s));
const w1 = init([3, 3, 3, 16], 27, 1);
const w2 = init([3, 3, 16, 32], 144, 2);
const w3 = init([3, 3, 32, 64], 288, 3);
const wd = init([4096, 1], 4096, 4);
const bd = tf.variable(tf.zeros([1]));
const x = tf.randomUniform([B, 64, 64, 3], -1, 1, 'float32', 2);
const y = tf.cast(tf.greater(tf.randomUniform([B, 1], 0, 1, 'float32', 3), 0.5), 'float32');
const loss = () => {
  let h = tf.maxPool(tf.relu(tf.conv2d(x, w1, 1, 'same')), 2, 2, 'valid');
  h = tf.maxPool(tf.relu(tf.conv2d(h, w2, 1, 'same')), 2, 2, 'valid');
  h = tf.maxPool(tf.relu(tf.conv2d(h, w3, 1, 'same')), 2, 2, 'valid');
  return bceWithLogits(tf.add(tf.matMul(tf.reshape(h, [B, 4096]), wd), bd), y);
};
const once = () => {
  const { value, grads } = tf.variableGrads(loss);
  const g = Object.values(grads);
  for (const t of g) t.dataSync();
  tf.dispose([value, ...g]);
};
for (let i = 0; i < 3; i++) once();
const totals = new Map();
const t0 = performance.now();
for (let r = 0; r < REPS; r++) {
  const p = await tf.profile(once);
  for (const k of p.kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    totals.set(key, (totals.get(key) ?? 0) + /** @type {number} */ (k.kernelTimeMs));
  }
}
const wall = (performance.now() - t0) / REPS;
let sum = 0;
for (const v of totals.values()) sum += v / REPS;
console.log(
  `${os.cpus()[0]?.model} load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join('/')}; B=${B}; wall ${wall.toFixed(1)} ms (profiled), kernels ${sum.toFixed(1)} ms`,
);
for (const [k, v] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${(v / REPS).toFixed(2).padStart(8)} ms  ${k}`);
// Plain timing without profiling overhead.
const ms = [];
for (let r = 0; r < REPS; r++) {
  const s = performance.now();
  once();
  ms.push(performance.now() - s);
}
ms.sort((a, b) => a - b);
console.log(`unprofiled median ${ms[Math.floor(ms.length / 2)].toFixed(1)} ms`);
