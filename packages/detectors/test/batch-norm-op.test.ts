// The fused training-mode BatchNorm against autodiff of the composed form it replaces (two independent gradient
// paths), on random shapes, scales and offsets, on cpu and wasm.
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchNormTrain } from '../src/batch-norm-op.js';
import { type BackendName, useBackend } from './helpers.js';

/** The composed form (tf.moments, then x·scale + shift), differentiated by the tape. */
function composed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, x.shape.map((_, i) => i).slice(0, -1));
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale)));
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / (1e-6 + s);
}

// Channel counts that are and are not multiples of 4: on wasm the former run @cs-dfd/backend's SIMD kernels.
const channels = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(4, 8, 12));
const bnCase = fc.record({
  seed: fc.integer(),
  shape: fc.oneof(
    fc.tuple(fc.integer({ min: 4, max: 9 }), channels),
    fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      channels,
    ),
  ),
  epsilon: fc.constantFrom(1e-5, 1e-3, 0.1),
});

describe('batchNormTrain (fused, closed-form gradient)', () => {
  for (const backend of ['cpu', 'wasm'] as BackendName[]) {
    it(`equals autodiff of the composed BatchNorm on ${backend}: y, μ, σ², ∂x, ∂γ, ∂β`, async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      fc.assert(
        fc.property(bnCase, ({ seed, shape, epsilon }) => {
          const n = shape.reduce((a, b) => a * b, 1) / shape[shape.length - 1]!;
          // Over 2 values a channel's output is ±1 whatever x is: ∂x is O(ε), pure rounding in both paths.
          fc.pre(n >= 4);
          const rng = new Rng(seed);
          const C = shape[shape.length - 1]!;
          const draw = (k: number, lo: number, hi: number) =>
            Float32Array.from({ length: k }, () => rng.uniform(lo, hi));
          tf.tidy(() => {
            // A per-channel offset and spread, as a conv's outputs have.
            const x = tf.add(tf.mul(tf.tensor(draw(n * C, -1, 1), shape), tf.tensor1d(draw(C, 0.2, 3))), 2);
            const gamma = tf.tensor1d(draw(C, -2, 2));
            const beta = tf.tensor1d(draw(C, -1, 1));
            const w = tf.tensor(draw(n * C, -1, 1), shape);
            const loss = (f: typeof composed) => (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(tf.square(f(xi, g, b, epsilon)), w));
            const fused = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, e: number) =>
              batchNormTrain(xi, g, b, e);
            const ref = tf.grads(loss(composed))([x, gamma, beta]);
            const got = tf.grads(loss(fused))([x, gamma, beta]);
            ref.forEach((r, i) => expect(maxRelErr(got[i]!.dataSync(), r.dataSync())).toBeLessThan(1e-4));
            let stats: number[][] = [];
            const y = batchNormTrain(x, gamma, beta, epsilon, (mean, variance) => {
              stats = [Array.from(mean.dataSync()), Array.from(variance.dataSync())];
            });
            const m = tf.moments(x, shape.map((_, i) => i).slice(0, -1));
            expect(maxRelErr(y.dataSync(), composed(x, gamma, beta, epsilon).dataSync())).toBeLessThan(1e-5);
            expect(maxRelErr(stats[0]!, m.mean.dataSync())).toBeLessThan(1e-6);
            expect(maxRelErr(stats[1]!, m.variance.dataSync())).toBeLessThan(1e-5);
          });
        }),
        { numRuns: 25 },
      );
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('on wasm, a multiple of 4 channels runs the SIMD kernels forward and backward (else tfjs ops)', async () => {
    await useBackend('wasm');
    const kernelsOf = async (C: number) => {
      const x = tf.randomNormal([2, 3, 3, C], 0, 1, 'float32', 1);
      const gamma = tf.ones([C]);
      const beta = tf.zeros([C]);
      const p = await tf.profile(() => {
        const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.square(batchNormTrain(xi, gamma, beta, 1e-3))))(x);
        g.dataSync();
        return g;
      });
      tf.dispose([x, gamma, beta]);
      return new Set(p.kernels.map((k) => k.name));
    };
    const fused = await kernelsOf(8);
    expect(fused.has('CsDfdBatchNormTrain')).toBe(true);
    expect(fused.has('CsDfdBatchNormTrainGrad')).toBe(true);
    const composedRun = await kernelsOf(6);
    expect(composedRun.has('CsDfdBatchNormTrain')).toBe(false);
    expect(composedRun.has('Mean')).toBe(true);
  });
});
