// The README's example, verbatim apart from the assertions.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { initBackend } from '../src/index.js';
import { bceWithLogits, sigmoid } from '../src/ops/index.js';

it('README example: choose a backend, train a conv layer, take a second derivative', async () => {
  const choice = await initBackend();
  console.log(`${choice.name}: ${choice.reason}`);

  // A conv layer's gradient on wasm needs Conv2DBackpropFilter, registered by initBackend.
  const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
  const w = tf.variable(tf.randomNormal([3, 3, 3, 4])) as tf.Variable<tf.Rank.R4>;
  const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.conv2d(x, w, 1, 'same'))) as tf.Scalar);

  // d²/dz² of BCE-with-logits at z = 0 is σ'(0) = 1/4; stock tfjs ops return a wrong value here.
  const z = tf.scalar(0);
  const d2 = tf.grad((u: tf.Tensor) => tf.grad((v: tf.Tensor) => bceWithLogits(v, tf.scalar(1)))(u))(z);
  const s = sigmoid(z);

  expect(['node-gpu', 'node', 'wasm', 'cpu']).toContain(choice.name);
  expect(grads[w.name]!.shape).toEqual([3, 3, 3, 4]);
  expect(d2.dataSync()[0]).toBeCloseTo(0.25, 6);
  expect(s.dataSync()[0]).toBe(0.5);
  tf.dispose([x, w, z, d2, s, ...Object.values(grads)]);
});
