// Two regression heads on a shared trunk, trained with UVS: `node examples/two-heads.mjs` (after `pnpm build`).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradient functions in Node (tfjs-core alone does not)
import { disjointStep } from '@cs-dfd/multitask';
import { uvs } from '@cs-dfd/uvs';
import * as tf from '@tensorflow/tfjs-core';

await tf.setBackend('cpu');

// Synthetic data: each task has its own 128 samples (disjoint sub-batches, as original vs synthesized fakes).
const x = [tf.randomNormal([128, 4], 0, 1, 'float32', 1), tf.randomNormal([128, 4], 0, 1, 'float32', 2)];
const y = [
  tf.sin(tf.sum(tf.slice(x[0], [0, 0], [-1, 2]), 1, true)), // task "sine": sin(x0 + x1)
  tf.mul(tf.prod(tf.slice(x[1], [0, 1], [-1, 2]), 1, true), 0.5), // task "product": x1 * x2 / 2
];

// A shared dense trunk and one linear head per task.
const init = (shape, seed) =>
  tf.variable(tf.randomNormal(shape, 0, 1 / Math.sqrt(shape[0]), 'float32', seed));
const trunk = [init([4, 32], 3), tf.variable(tf.zeros([32]))];
const heads = [
  [init([32, 1], 4), tf.variable(tf.zeros([1]))],
  [init([32, 1], 5), tf.variable(tf.zeros([1]))],
];
const predict = (input, [w, b]) =>
  tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(input, trunk[0]), trunk[1])), w), b);

const optimizer = tf.train.adam(0.02);
const aggregator = uvs({ c: 0.5 });
const tasks = ['sine', 'product'].map((name, k) => ({
  name,
  variables: heads[k], // task-specific: they get this task's gradient only
  loss: () => tf.losses.meanSquaredError(y[k], predict(x[k], heads[k])),
}));

export const history = [];
for (let step = 0; step < 120; step++) {
  const r = disjointStep({ shared: trunk, tasks, aggregator, optimizer });
  if (r.skipped) throw new Error(r.reason);
  history.push(r.losses);
  if (step % 40 === 0 || step === 119) {
    const cos = r.diagnostics.cosines[1].toFixed(2);
    console.log(`step ${step}: losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}, cos(g1, g2) ${cos}`);
  }
}
