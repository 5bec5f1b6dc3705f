// A two-head tf.layers model trained with UVS: `node examples/layers-two-heads.mjs` (after `pnpm build`).
import '@tensorflow/tfjs-backend-cpu';
import { disjointStep } from '@cs-dfd/multitask';
import { uvs } from '@cs-dfd/uvs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers'; // also registers tfjs's gradient functions in Node

await tf.setBackend('cpu');

// Each task has its own 128 samples (disjoint sub-batches).
const x = [tf.randomNormal([128, 4], 0, 1, 'float32', 1), tf.randomNormal([128, 4], 0, 1, 'float32', 2)];
const y = [
  tf.sin(tf.sum(tf.slice(x[0], [0, 0], [-1, 2]), 1, true)), // task "sine": sin(x0 + x1)
  tf.mul(tf.prod(tf.slice(x[1], [0, 1], [-1, 2]), 1, true), 0.5), // task "product": x1 * x2 / 2
];

// One functional model: a shared dense trunk, one linear head per task.
const input = tfl.input({ shape: [4] });
const trunk = tfl.layers.dense({
  units: 32,
  activation: 'tanh',
  kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }),
});
const heads = [4, 5].map((seed) =>
  tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
);
const features = trunk.apply(input);
const model = tfl.model({ inputs: input, outputs: heads.map((h) => h.apply(features)) });

const optimizer = tf.train.adam(0.02);
const aggregator = uvs({ c: 0.5 });
const tasks = ['sine', 'product'].map((name, k) => ({
  name,
  variables: heads[k].trainableWeights, // tf.layers LayerVariables: this task's gradient only
  loss: () => tf.losses.meanSquaredError(y[k], model.apply(x[k])[k]),
}));

export const history = [];
for (let step = 0; step < 120; step++) {
  const r = disjointStep({ shared: trunk.trainableWeights, tasks, aggregator, optimizer });
  if (r.skipped) throw new Error(r.reason);
  history.push(r.losses);
  if (step % 40 === 0 || step === 119) {
    const shares = r.diagnostics.shares.map((s) => s.toFixed(2)).join(' ');
    console.log(`step ${step}: losses ${r.losses.map((l) => l.toFixed(4)).join(' ')}, shares ${shares}`);
  }
}
// The model itself was trained: its predictions use the updated weights.
const [sine] = model.predict(x[0]);
export const sineLoss = tf.losses.meanSquaredError(y[0], sine).dataSync()[0];
console.log(
  `model.predict loss (sine): ${sineLoss.toFixed(4)}; ${model.trainableWeights.length} trainable weights`,
);
