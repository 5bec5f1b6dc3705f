// The README's example, verbatim between the markers, plus checks of what it prints.
import { expect, it } from 'vitest';

it('README example: CAGrad on two tasks, cpu backend', async () => {
  const logs: unknown[][] = [];
  const log = (...args: unknown[]) => logs.push(args);
  // --- README example start ---
  await import('@tensorflow/tfjs-backend-cpu');
  const tf = await import('@tensorflow/tfjs-core');
  const { aggregate, disposeMaps } = await import('@cs-dfd/gramian/tfjs');
  const { cagrad } = await import('@cs-dfd/cagrad');
  await tf.setBackend('cpu');

  const task1 = { w: tf.tensor1d([-4, 1, 1]) };
  const task2 = { w: tf.tensor1d([6, 1, 1]) };
  const { update, weights, info } = aggregate([task1, task2], cagrad({ rescale: 'none' }));
  log('weights', Array.from(weights)); // torchjd's test value: [0.7041, 0.5]
  log('update', Array.from(update.w!.dataSync())); // [0.1835, 1.2041, 1.2041]
  log('gap', info.gap);
  disposeMaps(task1, task2, update);
  // --- README example end ---

  const w = logs[0]![1] as number[];
  expect(w[0]).toBeCloseTo(0.7041, 4);
  expect(w[1]).toBeCloseTo(0.5, 4);
  const d = logs[1]![1] as number[];
  [0.1835, 1.2041, 1.2041].forEach((v, p) => expect(d[p]).toBeCloseTo(v, 4));
  expect(Math.abs(logs[2]![1] as number)).toBeLessThan(1e-9);
});
