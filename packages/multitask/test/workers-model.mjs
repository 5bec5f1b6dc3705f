// @ts-check
// Replica module for the worker-pool tests: a small conv net on the cpu backend, two or more sources.
// shared: conv3x3 (C -> F) + bias, relu, maxpool2, dense (F·(S/2)² -> H) + tanh; per task: dense (H -> 1) + bias;
// loss: mean BCE with logits. Options: { seed, size, channels, filters, hidden, tasks, failTask, state }. With
// `state`, a non-trainable [channels] variable that each loss sets to 0.5·itself + the batch's per-channel mean.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // tfjs-core registers no gradient functions in Node by itself
import * as tf from '@tensorflow/tfjs-core';

/** @param {any} _options */
export async function setup(_options) {
  await tf.setBackend('cpu');
}

/** @param {any} o */
export function createReplica(o = {}) {
  const {
    seed = 1,
    size = 6,
    channels = 2,
    filters = 4,
    hidden = 3,
    tasks = 2,
    failTask = -1,
    state = false,
  } = o;
  const running = state ? tf.variable(tf.zeros([channels]), false) : undefined;
  const init = (/** @type {number[]} */ shape, /** @type {number} */ s) =>
    tf.variable(tf.randomNormal(shape, 0, 0.5, 'float32', seed * 100 + s));
  const half = size / 2;
  const conv = init([3, 3, channels, filters], 1);
  const convBias = init([filters], 2);
  const dense = init([half * half * filters, hidden], 3);
  const heads = Array.from({ length: tasks }, (_, k) => [init([hidden, 1], 10 + k), init([1], 20 + k)]);
  /** @param {tf.Tensor} x @param {tf.Variable[]} head */
  const logits = (x, head) => {
    const h = tf.maxPool(
      tf.relu(
        tf.add(
          tf.conv2d(/** @type {tf.Tensor4D} */ (x), /** @type {tf.Tensor4D} */ (conv), 1, 'same'),
          convBias,
        ),
      ),
      2,
      2,
      'valid',
    );
    const f = tf.tanh(tf.matMul(tf.reshape(h, [x.shape[0] ?? 0, -1]), dense));
    return tf.add(tf.matMul(f, /** @type {tf.Tensor2D} */ (head[0])), /** @type {tf.Tensor} */ (head[1]));
  };
  return {
    shared: [conv, convBias, dense],
    ...(running === undefined ? {} : { state: [running] }),
    tasks: heads.map((head, k) => ({
      name: `source${k}`,
      variables: head,
      /** @param {readonly tf.Tensor[]} inputs */
      loss: (inputs) => {
        if (k === failTask) throw new Error(`task ${k} was asked to fail`);
        const [x, y] = /** @type {[tf.Tensor, tf.Tensor]} */ (inputs);
        running?.assign(tf.add(tf.mul(running, 0.5), tf.mean(x, [0, 1, 2])));
        const z = logits(x, head);
        return /** @type {tf.Scalar} */ (tf.mean(tf.sub(tf.softplus(z), tf.mul(y, z))));
      },
    })),
  };
}
