// The README's example, verbatim apart from the temporary folder and the smaller training batch.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '@cs-dfd/backend';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createDetector, loadDetector, saveDetector } from '../src/index.js';

it('README example: build the small CNN, one training step, save, load', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-dfd-readme-'));
  // --- example ---
  await initBackend({ backend: 'wasm' }); // or initBackend() to pick the best available
  const detector = createDetector(); // small CNN, 64×64 input, softplus projection to 128, one logit
  const x = tf.randomUniform([8, 64, 64, 3]) as tf.Tensor4D; // images in [0, 1], NHWC
  const y = tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1]); // 1 = fake
  const optimizer = tf.train.adam(1e-3);

  const loss = optimizer.minimize(() => detector.loss(x, y), true, detector.trainableVariables());
  console.log('loss', loss?.dataSync()[0]);
  loss?.dispose();

  await saveDetector(detector, `${dir}/my-detector`); // model.json + weights.<hash>.bin
  const restored = await loadDetector(`${dir}/my-detector`);
  const p = restored.predict(x); // P(fake), [8]
  // --- end ---
  expect(Array.from(p.dataSync())).toEqual(Array.from(tf.tidy(() => detector.predict(x)).dataSync()));
  expect(loss?.isDisposed).toBe(true);
  tf.dispose([x, y, p]);
  detector.dispose();
  restored.dispose();
  optimizer.dispose();
  await fs.rm(dir, { recursive: true, force: true });
  await tf.setBackend('cpu');
});
