// The corrected AvgPool gradient against a float64 host formula on random shapes, strides and paddings, and the
// stock one's error at padded borders (tfjs's AvgPoolGrad divides by the full window, AvgPool by the valid cells).
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, getGradient } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORRECTED_GRADIENTS } from '../src/gradients.js';
import { BACKENDS, relErr, setupBackends } from './helpers.js';

beforeAll(setupBackends);

type Pad = 'valid' | 'same' | number;

/** ∂/∂x of Σ w ⊙ avgPool(x) in float64: each output spreads w[o] / (valid cells of its window) over them. */
function hostAvgPoolGrad(shape: number[], w: Float32Array, info: backend_util.Conv2DInfo): Float64Array {
  const [B, H, W, C] = shape as [number, number, number, number];
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const g = new Float64Array(B * H * W * C);
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const cells: number[] = [];
        for (let i = 0; i < fh; i++)
          for (let j = 0; j < fw; j++) {
            const h = oh * sh + i - top;
            const v = ow * sw + j - left;
            if (h >= 0 && h < H && v >= 0 && v < W) cells.push((b * H + h) * W + v);
          }
        for (let c = 0; c < C; c++) {
          const wo = w[((b * OH + oh) * OW + ow) * C + c]!;
          for (const p of cells) g[p * C + c]! += wo / cells.length;
        }
      }
  return g;
}

const poolCase = fc.record({
  seed: fc.integer(),
  B: fc.integer({ min: 1, max: 2 }),
  H: fc.integer({ min: 1, max: 7 }),
  W: fc.integer({ min: 1, max: 7 }),
  C: fc.integer({ min: 1, max: 3 }),
  k: fc.integer({ min: 1, max: 4 }),
  s: fc.integer({ min: 1, max: 3 }),
  pad: fc.constantFrom<Pad>('valid', 'same', 1, 2),
});

describe('AvgPool gradient (corrected)', () => {
  it('is registered', () => {
    for (const k of CORRECTED_GRADIENTS) expect(getGradient(k)).toBeDefined();
  });

  for (const backend of BACKENDS) {
    it(`equals the float64 host gradient for random shapes, strides and paddings on ${backend}`, async () => {
      await tf.setBackend(backend);
      try {
        fc.assert(
          fc.property(poolCase, (c) => {
            // tfjs rejects numeric pads >= the window (and ceil rounding is not in play here).
            fc.pre(typeof c.pad !== 'number' || c.pad < c.k);
            const shape = [c.B, c.H, c.W, c.C];
            const info = backend_util.computePool2DInfo(
              shape as [number, number, number, number],
              c.k,
              c.s,
              1,
              c.pad,
            );
            fc.pre(info.outHeight > 0 && info.outWidth > 0);
            const rng = new Rng(c.seed);
            const n = c.B * c.H * c.W * c.C;
            const xs = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
            const ws = Float32Array.from({ length: info.outShape.reduce((a, b) => a * b, 1) }, () =>
              rng.uniform(-1, 1),
            );
            const got = tf.tidy(() => {
              const w = tf.tensor(ws, info.outShape);
              const f = (u: tf.Tensor) => tf.sum(tf.mul(w, tf.avgPool(u as tf.Tensor4D, c.k, c.s, c.pad)));
              return tf.grad(f)(tf.tensor(xs, shape)).dataSync();
            });
            expect(relErr(got, hostAvgPoolGrad(shape, ws, info))).toBeLessThan(1e-6);
          }),
          { numRuns: 60 },
        );
      } finally {
        await tf.setBackend('cpu');
      }
    });
  }

  it("the stock gradient is wrong at a 'same'-padded border (what the correction fixes)", () => {
    const stock = tf.tidy(() => {
      const x = tf.zeros([1, 3, 3, 1]);
      // tfjs's own AvgPool gradient: dy into AvgPoolGrad unscaled.
      return (
        tf.engine().runKernel(
          'AvgPoolGrad',
          { dy: tf.onesLike(x), input: x },
          {
            filterSize: 3,
            strides: 1,
            pad: 'same',
          },
        ) as tf.Tensor
      ).dataSync();
    });
    const info = backend_util.computePool2DInfo([1, 3, 3, 1], 3, 1, 1, 'same');
    const truth = hostAvgPoolGrad([1, 3, 3, 1], new Float32Array(9).fill(1), info);
    // Corner: windows of 4, 6, 6 and 9 valid cells contain it: 1/4 + 2/6 + 1/9 = 0.694…, stock says 4/9 = 0.444…
    expect(truth[0]).toBeCloseTo(1 / 4 + 2 / 6 + 1 / 9, 12);
    expect(stock[0]).toBeCloseTo(4 / 9, 6);
  });

  it('counts valid cells on the host because wasm convs drop windows when the stride exceeds them', async () => {
    // 2×2 windows, stride 3, 'same' over 1×6: each window covers 2 valid cells. cpu says so; wasm's Conv2D and
    // DepthwiseConv2dNative (XNNPACK) return 0, so a sum-pool of ones on the backend would divide by zero.
    const sumPool = () =>
      tf.tidy(() =>
        Array.from(
          tf
            .depthwiseConv2d(
              tf.ones([1, 1, 6, 1]) as tf.Tensor4D,
              tf.ones([2, 2, 1, 1]) as tf.Tensor4D,
              3,
              'same',
            )
            .dataSync(),
        ),
      );
    expect(sumPool()).toEqual([2, 2]);
    await tf.setBackend('wasm');
    try {
      expect(sumPool()).toEqual([0, 0]);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
