/**
 * The CNN of DESIGN §12 as a replica module for `@cs-dfd/multitask`'s worker pool: 3×[conv3x3 + relu + maxpool2]
 * (16-32-64 channels, no biases) + dense(4096 -> 1) with mean BCE on logits, the network `@cs-dfd/backend`'s
 * `bench/train-step.bench.mjs` times (defined again here: that script exports nothing). Two sources (original and
 * synthesized forgeries) share every variable, as the detector's classifier is one head for both.
 */
import { initBackend } from '@cs-dfd/backend';
import { bceWithLogits } from '@cs-dfd/backend/ops';
import type { Replica } from '@cs-dfd/multitask/workers';
import * as tf from '@tensorflow/tfjs-core';

/** Options of the replica (structured-clonable: they travel to the workers). */
export interface StepModelOptions {
  /** Backend each worker starts (`setup`); the main thread chooses its own. */
  backend: 'wasm' | 'cpu';
  /** Source names, one task each. */
  sources: readonly string[];
  /** Input height and width, a multiple of 8. Default 64 (§12); the tests use a smaller one. */
  size?: number;
}

/** Worker set-up: the backend with the wasm training kernels (their absence is what the stock row shows). */
export async function setup(options: StepModelOptions): Promise<void> {
  await initBackend({ backend: options.backend });
}

/** The §12 CNN; He-normal initial values from fixed seeds, so every replica starts equal. */
export function createReplica(options: StepModelOptions): Replica {
  const init = (shape: number[], fanIn: number, seed: number) =>
    tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed));
  const w1 = init([3, 3, 3, 16], 27, 1);
  const w2 = init([3, 3, 16, 32], 144, 2);
  const w3 = init([3, 3, 32, 64], 288, 3);
  const size = options.size ?? 64;
  if (!Number.isInteger(size / 8) || size <= 0) {
    throw new Error(`step model: size must be a positive multiple of 8, got ${size}`);
  }
  const flat = (size / 8) ** 2 * 64;
  const wd = init([flat, 1], flat, 4);
  const bd = tf.variable(tf.zeros([1]));
  const logits = (x: tf.Tensor4D): tf.Tensor => {
    let h = tf.maxPool(tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.conv2d(h, w3 as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
    return tf.add(tf.matMul(tf.reshape(h, [x.shape[0], flat]), wd), bd);
  };
  return {
    shared: [w1, w2, w3, wd, bd],
    tasks: options.sources.map((name) => ({
      name,
      loss: ([x, y]: readonly tf.Tensor[]) =>
        bceWithLogits(logits(x as tf.Tensor4D), y as tf.Tensor) as tf.Scalar,
    })),
  };
}
