import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerSecondOrderGradients } from '../src/gradients.js';
import * as safe from '../src/ops/index.js';
import { BACKENDS, relErr, setupBackends } from './helpers.js';
import * as host from './host.js';

beforeAll(setupBackends);

/** Hessian-vector product of a scalar tfjs function by nested `tf.grad` (float32). */
function tfHvp(
  F: (x: tf.Tensor) => tf.Scalar,
  x: Float64Array,
  v: Float64Array,
  shape: number[],
): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor(Float32Array.from(x), shape);
    const vt = tf.tensor(Float32Array.from(v), shape);
    const hv = tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.grad(F)(u), vt)))(xt);
    return Float32Array.from(hv.dataSync());
  });
}

function draw(rng: Rng, n: number, lo = -2, hi = 2): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(lo, hi));
}

interface Elementwise {
  name: string;
  safe: (x: tf.Tensor) => tf.Tensor;
  stock: (x: tf.Tensor) => tf.Tensor;
  host: (v: number) => number;
  stockWrong: boolean;
}

const ELEMENTWISE: Elementwise[] = [
  { name: 'sigmoid', safe: safe.sigmoid, stock: tf.sigmoid, host: host.sigmoid, stockWrong: true },
  { name: 'tanh', safe: safe.tanh, stock: tf.tanh, host: Math.tanh, stockWrong: true },
  { name: 'exp', safe: safe.exp, stock: tf.exp, host: Math.exp, stockWrong: true },
  { name: 'elu', safe: safe.elu, stock: tf.elu, host: (v) => (v > 0 ? v : Math.expm1(v)), stockWrong: true },
  { name: 'softplus', safe: safe.softplus, stock: tf.softplus, host: host.softplus, stockWrong: false },
];

interface RowWise {
  name: string;
  safe: (x: tf.Tensor) => tf.Tensor;
  stock: (x: tf.Tensor) => tf.Tensor;
  /** F on the host for a [3,4] input and [3,4] (or [3]) weights. */
  host: (x: Float64Array, w: Float64Array) => number;
  weights: number;
}

const ROWS = 3;
const COLS = 4;
const ROWWISE: RowWise[] = [
  {
    name: 'softmax',
    safe: (x) => safe.softmax(x),
    stock: (x) => tf.softmax(x),
    host: (x, w) => host.softmaxRows(x, ROWS, COLS).reduce((a, s, i) => a + w[i]! * s * s, 0),
    weights: ROWS * COLS,
  },
  {
    name: 'logSoftmax',
    safe: (x) => safe.logSoftmax(x),
    stock: (x) => tf.logSoftmax(x),
    host: (x, w) => host.softmaxRows(x, ROWS, COLS).reduce((a, s, i) => a + w[i]! * Math.log(s) ** 2, 0),
    weights: ROWS * COLS,
  },
  {
    name: 'logSumExp',
    safe: (x) => safe.logSumExp(x, -1),
    stock: (x) => tf.logSumExp(x, -1),
    host: (x, w) => {
      let acc = 0;
      for (let r = 0; r < ROWS; r++) {
        const row = Array.from(x.subarray(r * COLS, (r + 1) * COLS));
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
        acc += w[r]! * lse * lse;
      }
      return acc;
    },
    weights: ROWS,
  },
];

const RUNS = { numRuns: 6 };
const TOL = 2e-3;

describe.each(BACKENDS)('second-order-safe ops on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each(ELEMENTWISE)(
    '$name: Hessian-vector products of Σ w·f(x)·x equal float64 finite differences',
    (op) => {
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          const rng = new Rng(seed);
          const n = 6;
          // Keep clear of ELU's kink at 0, where finite differences straddle two branches.
          const x = draw(rng, n).map((v) => (Math.abs(v) < 0.1 ? v + 0.2 : v));
          const w = draw(rng, n);
          const v = draw(rng, n);
          const wt = tf.tensor(Float32Array.from(w));
          const F = (f: (t: tf.Tensor) => tf.Tensor) => (u: tf.Tensor) =>
            tf.sum(tf.mul(wt, tf.mul(f(u), u))) as tf.Scalar;
          const Fh = (u: Float64Array) => u.reduce((a, ui, i) => a + w[i]! * op.host(ui) * ui, 0);
          const ref = host.hvpFD(Fh, x, v);
          const before = tf.memory().numTensors;
          const got = tfHvp(F(op.safe), x, v, [n]);
          expect(tf.memory().numTensors).toBe(before);
          expect(relErr(got, ref)).toBeLessThan(TOL);
          wt.dispose();
        }),
        RUNS,
      );
    },
  );

  it.each(ELEMENTWISE.filter((o) => o.stockWrong))('stock tf.$name loses the second derivative', (op) => {
    // F = Σ w·f(x) (plus a 1e-30 x² term that keeps x on the tape): the true Hessian is diag(w·f''(x)).
    const rng = new Rng(3);
    const n = 6;
    const x = draw(rng, n).map((v) => (Math.abs(v) < 0.1 ? v + 0.2 : v));
    const w = draw(rng, n);
    const v = draw(rng, n);
    const wt = tf.tensor(Float32Array.from(w));
    const F = (f: (t: tf.Tensor) => tf.Tensor) => (u: tf.Tensor) =>
      tf.add(tf.sum(tf.mul(wt, f(u))), tf.mul(1e-30, tf.sum(tf.square(u)))) as tf.Scalar;
    const ref = host.hvpFD((u) => u.reduce((a, ui, i) => a + w[i]! * op.host(ui), 0), x, v);
    expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(1e-2);
    expect(relErr(tfHvp(F(op.safe), x, v, [n]), ref)).toBeLessThan(TOL);
    expect(Math.max(...tfHvp(F(op.stock), x, v, [n]).map(Math.abs))).toBeLessThan(1e-6);
    wt.dispose();
  });

  it.each(ROWWISE)(
    '$name: Hessian-vector products equal float64 finite differences; stock tfjs does not',
    (op) => {
      const check = (f: (x: tf.Tensor) => tf.Tensor, seed: number) => {
        const rng = new Rng(seed);
        const x = draw(rng, ROWS * COLS);
        const w = draw(rng, op.weights);
        const v = draw(rng, ROWS * COLS);
        const wt = tf.tensor(Float32Array.from(w), op.weights === ROWS ? [ROWS] : [ROWS, COLS]);
        const got = tfHvp((u) => tf.sum(tf.mul(wt, tf.square(f(u)))) as tf.Scalar, x, v, [ROWS, COLS]);
        wt.dispose();
        return relErr(
          got,
          host.hvpFD((u) => op.host(u, w), x, v),
        );
      };
      fc.assert(
        fc.property(fc.integer(), (seed) => {
          expect(check(op.safe, seed)).toBeLessThan(TOL);
        }),
        RUNS,
      );
      // Stock tfjs either returns a wrong product or cannot differentiate its own gradient (Max's uses Equal).
      let stockErr: number;
      try {
        stockErr = check(op.stock, 11);
      } catch (e) {
        expect(String(e)).toMatch(/gradient function not found/);
        stockErr = Number.POSITIVE_INFINITY;
      }
      expect(stockErr).toBeGreaterThan(0.05);
    },
  );

  it('bceWithLogits: value, gradient and Hessian-vector products equal float64 references; tf.losses.sigmoidCrossEntropy fails the last', () => {
    const n = 5;
    const bceHost = (z: Float64Array, y: Float64Array) =>
      z.reduce((a, zi, i) => a + host.softplus(zi) - y[i]! * zi, 0) / n;
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new Rng(seed);
        const z = draw(rng, n, -4, 4);
        const y = Float64Array.from({ length: n }, () => rng.uniform(0, 1));
        const v = draw(rng, n);
        const yt = tf.tensor(Float32Array.from(y));
        const value = tf.tidy(() => safe.bceWithLogits(tf.tensor(Float32Array.from(z)), yt).dataSync()[0]!);
        expect(Math.abs(value - bceHost(z, y))).toBeLessThan(1e-5);
        const got = tfHvp((u) => safe.bceWithLogits(u, yt) as tf.Scalar, z, v, [n]);
        // The Hessian is diagonal: σ(z)(1 - σ(z)) / n.
        const exact = Float64Array.from(
          z,
          (zi, i) => (host.sigmoid(zi) * (1 - host.sigmoid(zi)) * v[i]!) / n,
        );
        expect(relErr(got, exact)).toBeLessThan(TOL);
        expect(
          relErr(
            host.hvpFD((u) => bceHost(u, y), z, v),
            exact,
          ),
        ).toBeLessThan(1e-6);
        yt.dispose();
      }),
      RUNS,
    );
    const z = Float64Array.from([-2, -0.5, 0.3, 1.2, 3]);
    const y = Float64Array.from([0, 1, 0.5, 1, 0]);
    const v = Float64Array.from([1, -1, 0.5, 2, -0.3]);
    const yt = tf.tensor(Float32Array.from(y));
    const stock = tfHvp((u) => tf.losses.sigmoidCrossEntropy(yt, u) as tf.Scalar, z, v, [n]);
    const exact = Float64Array.from(z, (zi, i) => (host.sigmoid(zi) * (1 - host.sigmoid(zi)) * v[i]!) / n);
    expect(relErr(stock, exact)).toBeGreaterThan(0.05);
    yt.dispose();
  });

  it('bceWithLogits is finite for huge logits and equals log 2 at z = 0', () => {
    const z = tf.tensor([-1e4, -80, 0, 80, 1e4]);
    const y = tf.tensor([1, 0, 0.5, 1, 0]);
    const per = safe.bceWithLogits(z, y, 'none').dataSync();
    expect(Array.from(per).every(Number.isFinite)).toBe(true);
    expect(per[2]).toBeCloseTo(Math.LN2, 6);
    expect(per[0]).toBeCloseTo(1e4, 0);
    const g = tf
      .grad((u: tf.Tensor) => safe.bceWithLogits(u, y, 'sum'))(z)
      .dataSync();
    expect(Array.from(g)).toEqual(
      [-1, 0, 0, -0, 1].map((e, i) => (i === 1 || i === 3 ? expect.closeTo(e, 6) : e)),
    );
    tf.dispose([z, y]);
  });
});

describe.each(BACKENDS)('registered second-order gradients on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('Conv2DBackpropFilter: ∇x <V, ∇W ½‖conv(x, W)‖²> equals float64 finite differences', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        (seed, k, s, ci) => {
          const c: host.Conv = { B: 2, H: 5, W: 4, ci, co: 2, k, s };
          const rng = new Rng(seed);
          const x = draw(rng, c.B * c.H * c.W * c.ci, -1, 1);
          const w = draw(rng, k * k * ci * c.co, -1, 1);
          const V = draw(rng, k * k * ci * c.co, -1, 1);
          const Fh = (u: Float64Array) =>
            host.conv2dFilterGrad(u, host.conv2d(u, w, c), c).reduce((a, g, i) => a + g * V[i]!, 0);
          const ref = host.gradFD(Fh, x);
          const got = tf.tidy(() => {
            const wt = tf.tensor4d(Float32Array.from(w), [k, k, ci, c.co]);
            const Vt = tf.tensor4d(Float32Array.from(V), [k, k, ci, c.co]);
            const loss = (xx: tf.Tensor, ww: tf.Tensor) =>
              tf.mul(0.5, tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, s, 'valid'))));
            const F = (u: tf.Tensor) => tf.sum(tf.mul(Vt, tf.grads(loss)([u, wt])[1]!)) as tf.Scalar;
            return tf
              .grad(F)(tf.tensor4d(Float32Array.from(x), [c.B, c.H, c.W, c.ci]))
              .dataSync();
          });
          expect(relErr(got, ref)).toBeLessThan(TOL);
        },
      ),
      RUNS,
    );
  });

  it.each(['max', 'avg'] as const)(
    '%sPoolGrad: ∇x <V, ∇x ½ Σ c·pool(x)²> equals float64 finite differences',
    (kind) => {
      fc.assert(
        fc.property(
          fc.integer(),
          fc.integer({ min: 2, max: 3 }),
          fc.integer({ min: 1, max: 2 }),
          (seed, k, s) => {
            const p: host.Pool = { B: 1, H: 5, W: 4, C: 2, k, s };
            const n = p.B * p.H * p.W * p.C;
            const rng = new Rng(seed);
            // Distinct values at least 0.1 apart (a shuffled grid), so the finite-difference step never moves an argmax.
            const x = Float64Array.from(rng.permutation(n), (r) => (r - n / 2) * 0.1 + rng.uniform(0, 0.01));
            const [OH, OW] = host.poolOut(p);
            const m = p.B * OH * OW * p.C;
            const cw = draw(rng, m, -1, 1);
            const V = draw(rng, n, -1, 1);
            const Fh = (u: Float64Array) => {
              const { y } = host.pool(u, p, kind);
              const dy = y.map((yi, i) => cw[i]! * yi);
              return host.poolGrad(u, dy, p, kind).reduce((a, g, i) => a + g * V[i]!, 0);
            };
            const ref = host.gradFD(Fh, x, 1e-6);
            const got = tf.tidy(() => {
              const ct = tf.tensor4d(Float32Array.from(cw), [p.B, OH, OW, p.C]);
              const Vt = tf.tensor4d(Float32Array.from(V), [p.B, p.H, p.W, p.C]);
              const poolF = (u: tf.Tensor4D) =>
                kind === 'max' ? tf.maxPool(u, k, s, 'valid') : tf.avgPool(u, k, s, 'valid');
              const L = (u: tf.Tensor) =>
                tf.mul(0.5, tf.sum(tf.mul(ct, tf.square(poolF(u as tf.Tensor4D))))) as tf.Scalar;
              const F = (u: tf.Tensor) => tf.sum(tf.mul(Vt, tf.grad(L)(u))) as tf.Scalar;
              return tf
                .grad(F)(tf.tensor4d(Float32Array.from(x), [p.B, p.H, p.W, p.C]))
                .dataSync();
            });
            expect(relErr(got, ref)).toBeLessThan(TOL);
          },
        ),
        RUNS,
      );
    },
  );

  it('without the registered gradient, stock tfjs cannot differentiate MaxPoolGrad at all', () => {
    const x = tf.tensor4d([1, 5, 3, 2, 4, 6, 0, 7, 8], [1, 3, 3, 1]);
    const F = (u: tf.Tensor) =>
      tf.sum(
        tf.square(
          tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.maxPool(v as tf.Tensor4D, 2, 1, 'valid'))))(u),
        ),
      );
    tf.unregisterGradient('MaxPoolGrad');
    try {
      expect(() => tf.grad(F)(x)).toThrow(/MaxPoolGrad/);
    } finally {
      registerSecondOrderGradients();
    }
    expect(() => tf.grad(F)(x)).not.toThrow();
    x.dispose();
  });
});
