// Step time of the two modes against joint training and the naive per-task split, on one MLP.
// Run: pnpm build && pnpm --filter @cs-dfd/multitask bench   (cpu backend; prints machine and backend)
import os from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // gradient functions for tfjs-core in Node
import { mean } from '@cs-dfd/gramian';
import * as tf from '@tensorflow/tfjs-core';
import { disjointStep, featureStep } from '../dist/index.js';

await tf.setBackend('cpu');
const [D, H, F, N, ROUNDS] = [64, 256, 64, 256, 15];
const init = (shape, seed) =>
  tf.variable(tf.randomNormal(shape, 0, 1 / Math.sqrt(shape[0]), 'float32', seed));
const backboneVars = [
  init([D, H], 1),
  tf.variable(tf.zeros([H])),
  init([H, F], 2),
  tf.variable(tf.zeros([F])),
];
const heads = [init([F, 1], 3), init([F, 1], 4)];
const x = tf.randomNormal([N, D], 0, 1, 'float32', 5);
const y = tf.randomNormal([N, 1], 0, 1, 'float32', 6);
const rows = [Array.from({ length: N / 2 }, (_, i) => i), Array.from({ length: N / 2 }, (_, i) => i + N / 2)];
const rowT = rows.map((r) => tf.tensor1d(r, 'int32'));
const xk = rowT.map((r) => tf.gather(x, r));
const yk = rowT.map((r) => tf.gather(y, r));
const [W1, b1, W2, b2] = backboneVars;
const backbone = (inp) => tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(inp, W1), b1)), W2), b2));
const head = (f, k) => tf.matMul(f, heads[k]);
const mse = (a, b) => tf.mean(tf.square(tf.sub(a, b)));
const optimizer = tf.train.sgd(1e-3);
const aggregator = mean();

const configs = {
  'joint (one loss, no split)': () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.add(mse(head(backbone(xk[0]), 0), yk[0]), mse(head(backbone(xk[1]), 1), yk[1])),
        [...backboneVars, ...heads],
      );
      optimizer.applyGradients(grads);
      value.dataSync();
    }),
  'disjointStep (K=2, own sub-batches)': () =>
    disjointStep({
      shared: backboneVars,
      tasks: [0, 1].map((k) => ({
        name: `t${k}`,
        variables: [heads[k]],
        loss: () => mse(head(backbone(xk[k]), k), yk[k]),
      })),
      aggregator,
      optimizer,
    }),
  'featureStep (K=2, rows)': () =>
    featureStep({
      backbone: { variables: backboneVars, apply: backbone },
      input: x,
      tasks: [0, 1].map((k) => ({
        name: `t${k}`,
        rows: rows[k],
        variables: [heads[k]],
        loss: (f) => mse(head(f, k), yk[k]),
      })),
      aggregator,
      optimizer,
    }),
  'naive split (K full-batch fwd+bwd)': () =>
    disjointStep({
      shared: backboneVars,
      tasks: [0, 1].map((k) => ({
        name: `t${k}`,
        variables: [heads[k]],
        loss: () => mse(tf.gather(head(backbone(x), k), rowT[k]), yk[k]),
      })),
      aggregator,
      optimizer,
    }),
};

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
console.log(
  `machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, backend ${tf.getBackend()}`,
);
console.log(
  `MLP ${D}-${H}-${F} + 2 linear heads, batch ${N} (${N / 2} per task), median of ${ROUNDS} interleaved rounds`,
);
const names = Object.keys(configs);
for (const name of names) for (let i = 0; i < 2; i++) configs[name]();
const before = tf.memory().numTensors;
const times = Object.fromEntries(names.map((n) => [n, []]));
// Interleaved rounds, so that load from other processes on a shared machine hits every configuration alike.
for (let r = 0; r < ROUNDS; r++) {
  for (const name of names) {
    const t0 = performance.now();
    configs[name]();
    times[name].push(performance.now() - t0);
  }
}
const base = median(times[names[0]]);
for (const name of names) {
  const ms = median(times[name]);
  console.log(`${name.padEnd(38)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / base).toFixed(2)}x joint`);
}
console.log(
  `tensors after ${ROUNDS} rounds: ${tf.memory().numTensors - before >= 0 ? '+' : ''}${tf.memory().numTensors - before}`,
);
