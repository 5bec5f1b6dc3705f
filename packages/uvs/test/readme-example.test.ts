// The README's example, verbatim between the markers, plus checks of what it prints.
import { expect, it } from 'vitest';

it('README example: two sources on the cpu backend', async () => {
  const logs: unknown[][] = [];
  const log = (...args: unknown[]) => logs.push(args);
  // --- README example start ---
  await import('@tensorflow/tfjs-backend-cpu');
  const tf = await import('@tensorflow/tfjs-core');
  const { aggregate, disposeMaps } = await import('@cs-dfd/gramian/tfjs');
  const { uvs } = await import('@cs-dfd/uvs');
  await tf.setBackend('cpu');

  // Per-source gradients of the same variables (what tf.variableGrads(...).grads returns, once per source).
  const original = { w: tf.tensor2d([[-4, 1, 1]]), b: tf.tensor1d([0.5]) };
  const synthesized = { w: tf.tensor2d([[6, 1, 1]]), b: tf.tensor1d([-0.5]) };

  const { update, weights, info } = aggregate([original, synthesized], uvs({ c: 0.5 }));
  log('weights', Array.from(weights));
  log('update w', Array.from(update.w!.dataSync()));
  log('worst-source decrease', info.primal, '= dual', info.dual, 'radius', info.radius);
  disposeMaps(original, synthesized, update);
  // --- README example end ---

  const weightsLine = logs[0]![1] as number[];
  // By hand: g0 = (1, 1, 1, 0), ||g0|| = √3, ||g1||² = 18.25; F'(1) = b1 - b2 + c||g0|| <g1, g1 - g2> / ||g1||
  // = -10 + (√3/2)(40.5/√18.25) < 0, so w* = e1 and λ = (1/2 + (√3/2)/√18.25, 1/2), divided by 1 + c.
  const l1 = 0.5 + Math.sqrt(3) / 2 / Math.sqrt(18.25);
  expect(Math.abs(weightsLine[0]! - l1 / 1.5)).toBeLessThan(1e-12);
  expect(Math.abs(weightsLine[1]! - 0.5 / 1.5)).toBeLessThan(1e-12);
  const [primal, dual, radius] = [logs[2]![1], logs[2]![3], logs[2]![5]] as number[];
  expect(Math.abs(primal! - dual!)).toBeLessThan(1e-9);
  expect(radius).toBeCloseTo(0.5, 9);
});
