import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, type Activation, Detector, phi, phiPrime } from '../src/index.js';
import { useBackend } from './helpers.js';

beforeAll(() => useBackend('cpu'));

// Host float64 references, written independently of the tensor code.
const SQ = Math.sqrt(2 / Math.PI);
const HOST: Record<Activation, (u: number) => number> = {
  softplus: (u) => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u))),
  tanh: Math.tanh,
  'gelu-tanh': (u) => 0.5 * u * (1 + Math.tanh(SQ * (u + 0.044715 * u ** 3))),
};

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

describe('φ and φ′', () => {
  it.each(ACTIVATIONS)('%s: φ matches the float64 formula and φ′ its central difference', (a) => {
    fc.assert(
      fc.property(fc.double({ min: -6, max: 6, noNaN: true }), (u) => {
        const [f, d] = tf.tidy(() => {
          const x = tf.tensor1d([u]);
          return [values(phi(a, x))[0]!, values(phiPrime(a, x))[0]!];
        });
        const h = 1e-5;
        const fd = (HOST[a](u + h) - HOST[a](u - h)) / (2 * h);
        expect(f).toBeCloseTo(HOST[a](u), 5);
        expect(d).toBeCloseTo(fd, 5);
      }),
      { numRuns: 60 },
    );
  });

  it.each(ACTIVATIONS)('%s: autodiff of φ′ (second order) matches the central difference of φ′', (a) => {
    // The point of the safe ops: tfjs's own tanh/sigmoid gradients lose terms at second order.
    const us = [-3, -0.7, 0, 0.4, 2.5];
    const h = 1e-4;
    const got = tf.tidy(() => values(tf.grad((u: tf.Tensor) => tf.sum(phiPrime(a, u)))(tf.tensor1d(us))));
    const dprime = (u: number) => (HOST[a](u + h) - 2 * HOST[a](u) + HOST[a](u - h)) / (h * h);
    us.forEach((u, i) => expect(got[i]).toBeCloseTo(dprime(u), 2));
    // And tf.grad of φ gives φ′ (the forward expression and autodiff agree).
    const g1 = tf.tidy(() => values(tf.grad((u: tf.Tensor) => tf.sum(phi(a, u)))(tf.tensor1d(us))));
    const p1 = tf.tidy(() => values(phiPrime(a, tf.tensor1d(us))));
    us.forEach((_, i) => expect(g1[i]).toBeCloseTo(p1[i]!, 5));
  });
});

describe('head', () => {
  it('u, z, s and the loss equal a float64 host computation from the named variables', () => {
    const det = new Detector({
      backbone: { kind: 'small-cnn', channels: [4, 6] },
      inputSize: 8,
      projectionDim: 5,
    });
    const N = 4;
    const D = det.featureDim;
    const f = tf.randomNormal([N, D], 0, 1, 'float32', 3) as tf.Tensor2D;
    const y = [0, 1, 1, 0];
    const { Wp, bp, v, b } = det.head.vars;
    expect(Wp.shape).toEqual([5, D]);
    expect([bp.shape, v.shape, b.shape]).toEqual([[5], [5], []]);
    const [W, B, V, c, F] = [Wp, bp, v, b, f].map(values) as [
      number[],
      number[],
      number[],
      number[],
      number[],
    ];
    let loss = 0;
    const s: number[] = [];
    for (let n = 0; n < N; n++) {
      let sn = c[0]!;
      for (let p = 0; p < 5; p++) {
        let u = B[p]!;
        for (let d = 0; d < D; d++) u += W[p * D + d]! * F[n * D + d]!;
        sn += V[p]! * HOST.softplus(u);
      }
      s.push(sn);
      loss += HOST.softplus(sn) - y[n]! * sn;
    }
    const got = tf.tidy(() => values(det.head.logits(f)));
    s.forEach((sn, n) => expect(got[n]).toBeCloseTo(sn, 5));
    const l = tf.tidy(() => det.head.loss(f, tf.tensor1d(y)).dataSync()[0]!);
    expect(l).toBeCloseTo(loss / N, 5);
    f.dispose();
    det.dispose();
  });

  it.each(ACTIVATIONS)(
    '%s: closed-form ∇(W_p, b_p) = mean δ fᵀ (DESIGN §6) equals autodiff',
    (activation) => {
      const det = new Detector({
        backbone: { kind: 'small-cnn', channels: [4] },
        inputSize: 8,
        projectionDim: 6,
        activation,
      });
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const f = tf.randomNormal([5, det.featureDim], 0, 2, 'float32', 9) as tf.Tensor2D;
        const y = tf.tensor1d([1, 0, 1, 1, 0]);
        const { Wp, bp, v } = det.head.vars;
        const auto = tf.variableGrads(() => det.head.loss(f, y), [Wp, bp]).grads;
        const { u } = det.head.project(f);
        const s = det.head.logits(f);
        const delta = tf.mul(tf.expandDims(tf.sub(tf.sigmoid(s), y), 1), tf.mul(v, det.head.phiPrime(u)));
        const gW = tf.div(tf.matMul(delta, f, true, false), 5);
        const gb = tf.mean(delta, 0);
        const a = values(auto[Wp.name]!);
        values(gW).forEach((g, i) => expect(g).toBeCloseTo(a[i]!, 5));
        const ab = values(auto[bp.name]!);
        values(gb).forEach((g, i) => expect(g).toBeCloseTo(ab[i]!, 5));
      });
      expect(tf.memory().numTensors).toBe(before);
      det.dispose();
    },
  );

  it('rejects features of the wrong width', () => {
    const det = new Detector({
      backbone: { kind: 'small-cnn', channels: [4] },
      inputSize: 8,
      projectionDim: 3,
    });
    const f = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => det.head.logits(f)).toThrow(/features must have shape \[N, 4\], got \[2, 5\]/);
    f.dispose();
    det.dispose();
  });
});
