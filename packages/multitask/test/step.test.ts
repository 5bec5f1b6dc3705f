import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the gradient functions tfjs-core's Node bundle lacks
import { constant, mean, type Weighting } from '@cs-dfd/gramian';
import { Rng } from '@cs-dfd/rng';
import { uvs } from '@cs-dfd/uvs';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AppliedStep, disjointStep, featureStep, type StepResult } from '../src/index.js';
import { variable } from './mlp.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let uid = 0;
const vec = (values: number[], shape?: number[]) =>
  variable(shape ? tf.tensor(values, shape) : tf.tensor1d(values), `step-test/${uid++}`);
const host = (v: tf.Tensor) => Array.from(v.dataSync());
const randn = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.normal());

function applied(r: StepResult): AppliedStep {
  if (r.skipped) throw new Error(`step skipped: ${r.reason}`);
  return r;
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  expect(actual.length, what).toBe(expected.length);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++) {
    expect(
      Math.abs(actual[i]! - expected[i]!),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    ).toBeLessThanOrEqual(tol * scale);
  }
}

describe('extra coupled loss added after aggregation: d = Σ w_i g_i + λ ∇L_extra', () => {
  it('disjoint mode equals a float64 hand computation (quadratic tasks, weight decay as L_extra)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 2, noNaN: true }), (seed, lambda) => {
        const rng = new Rng(seed);
        const P = 3;
        const m = [4, 2];
        const A = m.map((rows) => Array.from({ length: rows }, () => randn(rng, P)));
        const b = m.map((rows) => randn(rng, rows));
        const w0 = randn(rng, P);
        const h0 = [rng.normal(), rng.normal()];
        const mix = [0.3, 0.7];
        const eta = 0.05;
        // Host float64: residuals, task gradients, update.
        const r = A.map((Ak, k) =>
          Ak.map((row, n) => row.reduce((s, a, p) => s + a * w0[p]!, h0[k]!) - b[k]![n]!),
        );
        const g = A.map((Ak, k) => w0.map((_, p) => Ak.reduce((s, row, n) => s + row[p]! * r[k]![n]!, 0)));
        const dh = r.map((rk) => rk.reduce((s, v) => s + v, 0));
        const losses = r.map((rk) => 0.5 * rk.reduce((s, v) => s + v * v, 0));
        const extraLoss = 0.5 * (w0.reduce((s, v) => s + v * v, 0) + h0[0]! ** 2 + h0[1]! ** 2);
        const wExpected = w0.map(
          (wp, p) => wp - eta * (mix[0]! * g[0]![p]! + mix[1]! * g[1]![p]! + lambda * wp),
        );
        const hExpected = h0.map((hk, k) => hk - eta * (dh[k]! + lambda * hk));
        const G = [0, 1].flatMap((i) => [0, 1].map((j) => g[i]!.reduce((s, v, p) => s + v * g[j]![p]!, 0)));

        const before = tf.memory().numTensors;
        const w = vec(w0);
        const h = h0.map((v) => vec([v]));
        const At = A.map((Ak) => tf.tensor2d(Ak));
        const bt = b.map((bk) => tf.tensor2d(bk, [bk.length, 1]));
        const optimizer = tf.train.sgd(eta);
        const res = applied(
          disjointStep({
            shared: [w],
            tasks: [0, 1].map((k) => ({
              name: `q${k}`,
              variables: [h[k]!],
              loss: () =>
                tf.mul(
                  0.5,
                  tf.sum(tf.square(tf.sub(tf.add(tf.matMul(At[k]!, tf.reshape(w, [P, 1])), h[k]!), bt[k]!))),
                ) as tf.Scalar,
            })),
            extra: {
              weight: lambda,
              loss: () =>
                tf.mul(
                  0.5,
                  tf.addN([tf.sum(tf.square(w)), tf.sum(tf.square(h[0]!)), tf.sum(tf.square(h[1]!))]),
                ),
            },
            aggregator: constant(mix),
            optimizer,
          }),
        );
        expectAllClose(host(w), wExpected, 2e-5, 'shared w');
        expectAllClose([...host(h[0]!), ...host(h[1]!)], hExpected, 2e-5, 'task heads');
        expectAllClose(res.losses, losses, 1e-5, 'losses');
        expectAllClose([res.extraLoss!], [extraLoss], 1e-5, 'extra loss');
        expectAllClose(res.G, G, 1e-5, 'G');
        expectAllClose(res.weights, mix, 0, 'weights');
        expectAllClose(
          res.diagnostics.decrease!,
          [0, 1].map((i) => mix[0]! * G[i * 2]! + mix[1]! * G[i * 2 + 1]!),
          1e-5,
          'decrease',
        );
        tf.dispose([w, ...h, ...At, ...bt]);
        optimizer.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 20 },
    );
  });

  it('feature-cotangent mode equals a float64 hand computation (linear backbone, L_extra of all features)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 2, noNaN: true }), (seed, lambda) => {
        const rng = new Rng(seed);
        const N = 6;
        const d = 3;
        const mDim = 2;
        const X = Array.from({ length: N }, () => randn(rng, d));
        const Y = randn(rng, N);
        const W0 = Array.from({ length: d }, () => randn(rng, mDim));
        const V0 = [randn(rng, mDim), randn(rng, mDim)];
        const rows = [
          [0, 3, 4],
          [5, 1, 2],
        ];
        const eta = 0.02;
        // Host float64. f_n = x_n W; task k: 0.5 Σ_{n∈B_k} (f_n·v_k - y_n)²; extra: 0.5 Σ_n ||f_n||² + 0.5 Σ_k ||v_k||².
        const F = X.map((x) => W0[0]!.map((_, j) => x.reduce((s, xi, i) => s + xi * W0[i]![j]!, 0)));
        const res = (k: number, n: number) => F[n]!.reduce((s, f, j) => s + f * V0[k]![j]!, 0) - Y[n]!;
        const gW = [0, 1].map((k) =>
          W0.map((row, i) =>
            row.map((_, j) => rows[k]!.reduce((s, n) => s + res(k, n) * X[n]![i]! * V0[k]![j]!, 0)),
          ),
        );
        const gV = [0, 1].map((k) =>
          V0[k]!.map((_, j) => rows[k]!.reduce((s, n) => s + res(k, n) * F[n]![j]!, 0)),
        );
        const eW = W0.map((row, i) => row.map((_, j) => X.reduce((s, x, n) => s + x[i]! * F[n]![j]!, 0)));
        const WExpected = W0.flatMap((row, i) =>
          row.map((w, j) => w - eta * (0.5 * gW[0]![i]![j]! + 0.5 * gW[1]![i]![j]! + lambda * eW[i]![j]!)),
        );
        const VExpected = [0, 1].map((k) => V0[k]!.map((v, j) => v - eta * (gV[k]![j]! + lambda * v)));

        const before = tf.memory().numTensors;
        const W = vec(W0.flat(), [d, mDim]);
        const V = V0.map((v) => vec(v, [mDim, 1]));
        const x = tf.tensor2d(X);
        const y = rows.map((rk) =>
          tf.tensor2d(
            rk.map((n) => Y[n]!),
            [rk.length, 1],
          ),
        );
        const optimizer = tf.train.sgd(eta);
        applied(
          featureStep({
            backbone: { variables: [W], apply: (input) => tf.matMul(input as tf.Tensor2D, W) },
            input: x,
            tasks: [0, 1].map((k) => ({
              name: `t${k}`,
              rows: rows[k]!,
              variables: [V[k]!],
              loss: (f: tf.Tensor) =>
                tf.mul(
                  0.5,
                  tf.sum(tf.square(tf.sub(tf.matMul(f as tf.Tensor2D, V[k]!), y[k]!))),
                ) as tf.Scalar,
            })),
            extra: {
              weight: lambda,
              loss: (f) =>
                tf.mul(
                  0.5,
                  tf.addN([tf.sum(tf.square(f)), tf.sum(tf.square(V[0]!)), tf.sum(tf.square(V[1]!))]),
                ),
            },
            aggregator: mean(),
            optimizer,
          }),
        );
        expectAllClose(host(W), WExpected, 2e-5, 'backbone W');
        expectAllClose([...host(V[0]!), ...host(V[1]!)], VExpected.flat(), 2e-5, 'heads');
        tf.dispose([W, ...V, x, ...y]);
        optimizer.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 20 },
    );
  });
});

/** K = 2 min-norm (MGDA) weighting from G, for the conflict toy: the decreases it promises are equal. */
const minNorm: Weighting = {
  name: 'min-norm',
  weights: (G) => {
    const den = G[0]! + G[3]! - 2 * G[1]!;
    const a = den > 0 ? Math.min(1, Math.max(0, (G[3]! - G[1]!) / den)) : 0.5;
    return Float64Array.from([a, 1 - a]);
  },
};

describe('conflicting tasks: the weighting decides the first-order decreases', () => {
  // L_i = 0.5 ||w - a_i||² at w0 = 0: g_1 = (4, 0), g_2 = (-3, 1), cos = -0.95.
  const targets = [
    [-4, 0],
    [3, -1],
  ];
  const eta = 0.1;

  function toyStep(aggregator: Weighting) {
    const w = vec([0, 0]);
    const a = targets.map((t) => tf.tensor1d(t));
    const loss = (k: number) => () => tf.mul(0.5, tf.sum(tf.square(tf.sub(w, a[k]!)))) as tf.Scalar;
    const optimizer = tf.train.sgd(eta);
    const tasks = [0, 1].map((k) => ({ name: `t${k}`, loss: loss(k) }));
    const r = applied(disjointStep({ shared: [w], tasks, aggregator, optimizer }));
    const after = tf.tidy(() => [0, 1].map((k) => loss(k)().dataSync()[0]!));
    const d = host(w).map((v) => -v / eta); // the update actually applied
    tf.dispose([w, ...a]);
    optimizer.dispose();
    return { r, after, d };
  }

  // Independent expectations from the gradient vectors themselves (not from G).
  const g = targets.map((t) => t.map((v) => -v));
  const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);
  const L0 = targets.map((t) => 0.5 * dot(t, t));

  it('mean: d = (g1 + g2)/2 raises task 2 (decrease -1); min-norm: both decrease by ||d||²', () => {
    const dMean = g[0]!.map((v, i) => 0.5 * (v + g[1]![i]!));
    const diff = g[1]!.map((v, i) => v - g[0]![i]!);
    const alpha = dot(diff, g[1]!) / dot(diff, diff);
    const dMin = g[0]!.map((v, i) => alpha * v + (1 - alpha) * g[1]![i]!);
    for (const [agg, dExp] of [
      [mean(), dMean],
      [minNorm, dMin],
    ] as const) {
      const { r, after, d } = toyStep(agg);
      const decrease = g.map((gi) => dot(gi, dExp));
      expectAllClose(d, dExp, 1e-6, `${agg.name} applied update`);
      expectAllClose(r.diagnostics.decrease!, decrease, 1e-6, `${agg.name} decrease`);
      expect(r.diagnostics.conflicts).toEqual([[0, 1]]);
      // A quadratic's change after an SGD step is exactly -η<g_i, d> + η²||d||²/2.
      const change = decrease.map((dec) => -eta * dec + 0.5 * eta * eta * dot(dExp, dExp));
      expectAllClose(
        after.map((l, k) => l - L0[k]!),
        change,
        1e-5,
        `${agg.name} loss change`,
      );
    }
    expect(g.map((gi) => dot(gi, dMean))).toEqual([2, -1]);
    const mn = g.map((gi) => dot(gi, dMin));
    expect(mn[0]).toBeCloseTo(0.32, 12);
    expect(mn[1]).toBeCloseTo(0.32, 12);
  });

  it('UVS raises the smallest decrease above the mean and reports its certificate', () => {
    const { r: rm } = toyStep(mean());
    const { r, d } = toyStep(uvs({ c: 0.5, rescale: 'none' }));
    const decrease = g.map((gi) => dot(gi, d));
    expectAllClose(r.diagnostics.decrease!, decrease, 1e-5, 'uvs decrease vs applied update');
    expect(Math.min(...decrease)).toBeGreaterThan(Math.min(...rm.diagnostics.decrease!) + 0.5);
    // Strong duality: min_i <g_i, d*> equals the certificate's primal value.
    expect(r.info.primal).toBeCloseTo(Math.min(...decrease), 4);
    expect(r.info.conflict).toBe(1);
  });
});
