// Gradients of both depthwise backprop kernels (registered by registerSecondOrderGradients): nested tf.grad through
// a depthwise conv against float64 finite differences of host loops, on cpu and wasm.
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, relErr, setupBackends } from './helpers.js';
import * as host from './host.js';

beforeAll(setupBackends);

interface Dw {
  B: number;
  H: number;
  W: number;
  C: number;
  /** Channel multiplier. */
  m: number;
  k: number;
  s: number;
}

const outSize = (d: Dw): [number, number] => [
  Math.floor((d.H - d.k) / d.s) + 1,
  Math.floor((d.W - d.k) / d.s) + 1,
];

/** 'valid' depthwise conv, y[b,oh,ow,c·m+q] = Σ_ij x[b, oh·s+i, ow·s+j, c] · w[i,j,c,q], with both gradients of Σ dy ⊙ y. */
function depthwise(x: ArrayLike<number>, w: ArrayLike<number>, d: Dw, dy?: ArrayLike<number>) {
  const [OH, OW] = outSize(d);
  const M = d.C * d.m;
  const y = new Float64Array(d.B * OH * OW * M);
  const dx = new Float64Array(d.B * d.H * d.W * d.C);
  const dw = new Float64Array(d.k * d.k * M);
  for (let b = 0; b < d.B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let i = 0; i < d.k; i++)
          for (let j = 0; j < d.k; j++)
            for (let c = 0; c < d.C; c++)
              for (let q = 0; q < d.m; q++) {
                const xi = ((b * d.H + oh * d.s + i) * d.W + ow * d.s + j) * d.C + c;
                const wi = ((i * d.k + j) * d.C + c) * d.m + q;
                const yi = ((b * OH + oh) * OW + ow) * M + c * d.m + q;
                y[yi]! += x[xi]! * w[wi]!;
                if (dy !== undefined) {
                  dx[xi]! += dy[yi]! * w[wi]!;
                  dw[wi]! += dy[yi]! * x[xi]!;
                }
              }
  return { y, dx, dw };
}

function draw(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
}

const dwCase = fc.record({
  seed: fc.integer(),
  k: fc.integer({ min: 1, max: 3 }),
  s: fc.integer({ min: 1, max: 2 }),
  C: fc.integer({ min: 1, max: 2 }),
  m: fc.integer({ min: 1, max: 2 }),
});

describe.each(BACKENDS)('depthwise backprop gradients on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  // L(x, W) = ½‖depthwise(x, W)‖²: ∇W L is DepthwiseConv2dNativeBackpropFilter(x, y) and ∇x L is
  // DepthwiseConv2dNativeBackpropInput(y, W); differentiating <V, ∇W L> by x and <V, ∇x L> by W runs the
  // gradients of both kernels with respect to both of their inputs.
  it('∇x <V, ∇W L> and ∇W <V, ∇x L> equal float64 finite differences', () => {
    fc.assert(
      fc.property(dwCase, ({ seed, k, s, C, m }) => {
        const d: Dw = { B: 2, H: 5, W: 4, C, m, k, s };
        const rng = new Rng(seed);
        const x = draw(rng, d.B * d.H * d.W * C);
        const w = draw(rng, k * k * C * m);
        const Vw = draw(rng, w.length);
        const Vx = draw(rng, x.length);
        const gradW = (u: Float64Array, ww: Float64Array) => depthwise(u, ww, d, depthwise(u, ww, d).y);
        const refX = host.gradFD((u) => gradW(u, w).dw.reduce((a, g, i) => a + g * Vw[i]!, 0), x);
        const refW = host.gradFD((ww) => gradW(x, ww).dx.reduce((a, g, i) => a + g * Vx[i]!, 0), w);
        const [gotX, gotW] = tf.tidy(() => {
          const xt = tf.tensor4d(Float32Array.from(x), [d.B, d.H, d.W, C]);
          const wt = tf.tensor4d(Float32Array.from(w), [k, k, C, m]);
          const loss = (xx: tf.Tensor, ww: tf.Tensor) =>
            tf.mul(
              0.5,
              tf.sum(tf.square(tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, s, 'valid'))),
            );
          const VwT = tf.tensor4d(Float32Array.from(Vw), [k, k, C, m]);
          const VxT = tf.tensor4d(Float32Array.from(Vx), xt.shape);
          const Fx = (u: tf.Tensor) => tf.sum(tf.mul(VwT, tf.grads(loss)([u, wt])[1]!)) as tf.Scalar;
          const Fw = (ww: tf.Tensor) => tf.sum(tf.mul(VxT, tf.grads(loss)([xt, ww])[0]!)) as tf.Scalar;
          return [tf.grad(Fx)(xt).dataSync(), tf.grad(Fw)(wt).dataSync()];
        });
        expect(relErr(gotX, refX)).toBeLessThan(1e-3);
        expect(relErr(gotW, refW)).toBeLessThan(1e-3);
      }),
      { numRuns: 20 },
    );
  });
});
