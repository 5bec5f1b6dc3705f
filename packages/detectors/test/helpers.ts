import { initBackend } from '@cs-dfd/backend';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import type { Detector } from '../src/index.js';

export type BackendName = 'cpu' | 'wasm';

let ready: Promise<void> | undefined;

/** Starts wasm (with @cs-dfd/backend's training kernels) and cpu once, then activates `name`. */
export async function useBackend(name: BackendName): Promise<void> {
  ready ??= (async () => {
    await initBackend({ backend: 'wasm' });
    await initBackend({ backend: 'cpu' });
    // Silence the cpu backend's one-time "install tfjs-node" banner.
    (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
  })();
  await ready;
  await tf.setBackend(name);
}

/**
 * A fixed batch: n images of side s with a class-dependent pattern plus noise (labels alternate 0/1), so a
 * detector can separate them, and overfit them.
 */
export function fixedBatch(n: number, s: number, seed = 1): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const per = s * s * 3;
  const data = new Float32Array(n * per);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let k = 0; k < per; k++) data[i * per + k] = rng.uniform(0, 1);
  }
  return { x: tf.tensor4d(data, [n, s, s, 3]), y: tf.tensor1d(labels) };
}

/** One SGD-with-momentum step through `tf.variableGrads` over the detector's trainable variables. */
export function trainStep(det: Detector, opt: tf.Optimizer, x: tf.Tensor4D, y: tf.Tensor1D): number {
  const vars = det.trainableVariables();
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => det.loss(x, y), vars);
    opt.applyGradients(grads);
    return value.dataSync()[0] as number;
  });
}
