// The wasm kernels registered for speed only (Identity, Cast, Sum, Mean, GatherV2) and the replaced Sum/Mean
// gradients: same values as the cpu backend's reference kernels / a closed form, on random shapes and axes.
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../src/errors.js';
import { REDUCTION_GRADIENTS, registerReductionGradients } from '../src/gradients.js';
import { stockWasmKernel } from '../src/kernels/index.js';
import {
  BACKENDS,
  backendOf,
  type HostTensor,
  randomTensor,
  relErr,
  runKernelOn,
  setupBackends,
} from './helpers.js';

beforeAll(async () => {
  await setupBackends();
  registerReductionGradients();
});

const RUNS = { numRuns: 60 };

const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 });

/** A shape, a non-empty subset of its axes (some given negative) and keepDims. */
const reduceCase = shapeArb.chain((shape) =>
  fc.record({
    seed: fc.integer(),
    shape: fc.constant(shape),
    axes: fc
      .subarray(
        shape.map((_, i) => i),
        { minLength: 1 },
      )
      .chain((axes) => fc.tuple(...axes.map((a) => fc.constantFrom(a, a - shape.length)))),
    keepDims: fc.boolean(),
  }),
);

describe('wasm Sum and Mean', () => {
  for (const kernel of ['Sum', 'Mean'] as const) {
    it(`${kernel} equals the cpu reference for random shapes, axis sets (contiguous or not) and keepDims`, () => {
      fc.assert(
        fc.property(reduceCase, (c) => {
          const x = randomTensor(new Rng(c.seed), c.shape);
          const attrs = { axis: c.axes, keepDims: c.keepDims };
          const ref = runKernelOn('cpu', kernel, { x }, attrs);
          const got = runKernelOn('wasm', kernel, { x }, attrs);
          expect(got.shape).toEqual(ref.shape);
          expect(relErr(got.values, ref.values)).toBeLessThan(1e-6);
        }),
        RUNS,
      );
    });
  }

  it('accumulates in float64: 2^24 + 1 + 1 is exact where a float32 running sum stays at 2^24', () => {
    // Rows [2^24, 1, 1] per channel, reduced over [0, 1, 2] as BatchNorm's moments are.
    const x: HostTensor = {
      values: Float32Array.from([16777216, 16777216, 1, 1, 1, 1]),
      shape: [1, 3, 1, 2],
    };
    const got = runKernelOn('wasm', 'Sum', { x }, { axis: [0, 1, 2], keepDims: false });
    const ref = runKernelOn('cpu', 'Sum', { x }, { axis: [0, 1, 2], keepDims: false });
    expect(got.shape).toEqual([2]);
    expect(Array.from(got.values)).toEqual([16777218, 16777218]);
    expect(Array.from(ref.values)).toEqual([16777218, 16777218]);
  });

  it('the SIMD column sums (inner size a multiple of 4) equal the cpu reference and accumulate in float64', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(4, 8, 12),
        fc.boolean(),
        (seed, lead, C, mean) => {
          const shape = [...lead, C];
          const x = randomTensor(new Rng(seed), shape);
          // every leading axis, or all but the first (global average pooling's [1, 2] of NHWC)
          const axes =
            lead.length > 1 && seed % 2 === 0 ? lead.map((_, i) => i).slice(1) : lead.map((_, i) => i);
          const kernel = mean ? 'Mean' : 'Sum';
          const ref = runKernelOn('cpu', kernel, { x }, { axis: axes, keepDims: false });
          const got = runKernelOn('wasm', kernel, { x }, { axis: axes, keepDims: false });
          expect(got.shape).toEqual(ref.shape);
          expect(relErr(got.values, ref.values)).toBeLessThan(1e-6);
        },
      ),
      RUNS,
    );
    const big: HostTensor = {
      values: Float32Array.from([...Array(4).fill(16777216), ...Array(8).fill(1)]),
      shape: [3, 4],
    };
    const got = runKernelOn('wasm', 'Sum', { x: big }, { axis: [0], keepDims: false });
    expect(Array.from(got.values)).toEqual([16777218, 16777218, 16777218, 16777218]);
  });

  it('hands int32 inputs and innermost-axis reductions to the stock kernel', async () => {
    expect(getKernel('Sum', 'wasm')!.kernelFunc).not.toBe(stockWasmKernel('Sum')!.kernelFunc);
    await tf.setBackend('wasm');
    try {
      const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
      const s0 = tf.sum(a, 0);
      const s1 = tf.sum(a, 1);
      expect(s0.dtype).toBe('int32');
      expect(Array.from(s0.dataSync())).toEqual([5, 7, 9]);
      expect(Array.from(s1.dataSync())).toEqual([6, 15]);
      tf.dispose([a, s0, s1]);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});

describe('wasm GatherV2 along axis 0', () => {
  const gatherCase = fc.record({
    seed: fc.integer(),
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
    count: fc.integer({ min: 0, max: 6 }),
    axis: fc.constantFrom(0, 0, 1),
  });

  it('equals the cpu reference for random shapes and repeated indices (other axes: stock kernel)', () => {
    fc.assert(
      fc.property(gatherCase, (c) => {
        fc.pre(c.axis < c.shape.length);
        const rng = new Rng(c.seed);
        const x = randomTensor(rng, c.shape);
        const n = c.shape[c.axis]!;
        const idx = Int32Array.from({ length: c.count }, () => Math.floor(rng.uniform(0, n)));
        const run = (name: 'cpu' | 'wasm') => {
          const backend = backendOf(name);
          const xi = {
            dataId: backend.write(x.values, x.shape, 'float32'),
            shape: x.shape,
            dtype: 'float32' as const,
          };
          const ii = {
            dataId: backend.write(idx, [idx.length], 'int32'),
            shape: [idx.length],
            dtype: 'int32' as const,
          };
          const out = getKernel('GatherV2', name)!.kernelFunc({
            inputs: { x: xi, indices: ii },
            attrs: { axis: c.axis, batchDims: 0 },
            backend,
          }) as tf.TensorInfo;
          const values = Float32Array.from(backend.readSync(out.dataId) as Float32Array);
          for (const t of [xi, ii, out]) backend.disposeData(t.dataId);
          return { values, shape: out.shape };
        };
        const ref = run('cpu');
        const got = run('wasm');
        expect(got.shape).toEqual(ref.shape);
        expect(Array.from(got.values)).toEqual(Array.from(ref.values));
      }),
      RUNS,
    );
  });

  it('throws a BackendError naming an out-of-range index and frees its output', () => {
    const backend = backendOf('wasm');
    const x = {
      dataId: backend.write(new Float32Array(6), [3, 2], 'float32'),
      shape: [3, 2],
      dtype: 'float32' as const,
    };
    const indices = {
      dataId: backend.write(Int32Array.from([1, 3]), [2], 'int32'),
      shape: [2],
      dtype: 'int32' as const,
    };
    const before = backend.numDataIds();
    const call = () =>
      getKernel('GatherV2', 'wasm')!.kernelFunc({
        inputs: { x, indices },
        attrs: { axis: 0, batchDims: 0 },
        backend,
      });
    expect(call).toThrow(BackendError);
    expect(call).toThrow(/index 3 at position 1 is not in \[0, 2\]/);
    expect(backend.numDataIds()).toBe(before);
    backend.disposeData(x.dataId);
    backend.disposeData(indices.dataId);
  });
});

describe('wasm Identity and same-dtype Cast share the buffer', () => {
  it('a clone survives disposing its source, and the backend frees the buffer with the last reference', async () => {
    await tf.setBackend('wasm');
    try {
      const backend = backendOf('wasm');
      const before = backend.numDataIds();
      const x = tf.tensor1d([1, -2, 3]);
      const c = tf.clone(x);
      const same = tf.cast(x, 'float32');
      expect(c.dataId).toBe(x.dataId);
      expect(same.dataId).toBe(x.dataId);
      expect(backend.numDataIds()).toBe(before + 1); // one heap buffer, not three
      x.dispose();
      expect(Array.from(c.dataSync())).toEqual([1, -2, 3]);
      expect(Array.from(same.dataSync())).toEqual([1, -2, 3]);
      const asInt = tf.cast(c, 'int32');
      expect(asInt.dtype).toBe('int32');
      expect(Array.from(asInt.dataSync())).toEqual([1, -2, 3]);
      tf.dispose([c, same, asInt]);
      expect(backend.numDataIds()).toBe(before);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});

describe('Sum and Mean gradients (replaced: no full-size host array)', () => {
  it('are registered for both kernels', () => {
    for (const k of REDUCTION_GRADIENTS) expect(tf.getGradient(k)?.gradFunc).toBeDefined();
  });

  for (const backendName of BACKENDS) {
    it(`first and second derivatives equal the closed form on ${backendName}`, async () => {
      await tf.setBackend(backendName);
      try {
        // L(x) = Σ_j c_j · mean_axes(x ⊙ x)_j  =>  ∇L = 2 x ⊙ c / R,  H·v = 2 v ⊙ c / R  (c broadcast over the axes).
        fc.assert(
          fc.property(reduceCase, fc.boolean(), (c, useSum) => {
            const rng = new Rng(c.seed);
            const shape = c.shape;
            const n = shape.reduce((a, b) => a * b, 1);
            const axes = [...new Set(c.axes.map((a) => (a + shape.length) % shape.length))];
            const R = axes.reduce((a, ax) => a * shape[ax]!, 1);
            const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
            const xs = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
            const vs = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
            const cs = Float32Array.from({ length: n / R }, () => rng.uniform(-1, 1));
            const scale = useSum ? 1 : 1 / R;
            // Host closed form: index each element's reduced cell by zeroing the reduced coordinates.
            const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
            const outStrides = outShape.map((_, i) => outShape.slice(i + 1).reduce((a, b) => a * b, 1));
            const cell = (flat: number) =>
              shape.reduce((acc, _, i) => {
                const coord = Math.floor(flat / strides[i]!) % shape[i]!;
                return acc + (axes.includes(i) ? 0 : coord * outStrides[i]!);
              }, 0);
            const grad = Float64Array.from({ length: n }, (_, i) => 2 * xs[i]! * cs[cell(i)]! * scale);
            const hv = Float64Array.from({ length: n }, (_, i) => 2 * vs[i]! * cs[cell(i)]! * scale);
            const [g1, g2] = tf.tidy(() => {
              const x = tf.tensor(xs, shape);
              const v = tf.tensor(vs, shape);
              const w = tf.reshape(
                tf.tensor(cs),
                c.keepDims ? outShape : outShape.filter((_, i) => !axes.includes(i)),
              );
              const reduce = useSum ? tf.sum : tf.mean;
              const L = (u: tf.Tensor) =>
                tf.sum(tf.mul(reduce(tf.mul(u, u), c.axes, c.keepDims), w)) as tf.Scalar;
              const g = tf.grad(L)(x);
              const h = tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.grad(L)(u), v)) as tf.Scalar)(x);
              return [g.dataSync(), h.dataSync()];
            });
            expect(relErr(g1, grad)).toBeLessThan(1e-5);
            expect(relErr(g2, hv)).toBeLessThan(1e-5);
          }),
          { numRuns: 30 },
        );
      } finally {
        await tf.setBackend('cpu');
      }
    });
  }
});

describe('wasm Add, Multiply, Sub with a per-channel vector (SIMD)', () => {
  const binCase = fc.record({
    seed: fc.integer(),
    lead: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 }),
    C: fc.constantFrom(4, 8, 12, 3, 6),
    smallRank: fc.integer({ min: 1, max: 4 }),
    swap: fc.boolean(),
    kernel: fc.constantFrom('Add', 'Multiply', 'Sub'),
  });

  it('equal the cpu reference in both operand orders (and other shapes go to the stock kernel)', () => {
    fc.assert(
      fc.property(binCase, ({ seed, lead, C, smallRank, swap, kernel }) => {
        const rng = new Rng(seed);
        const bigShape = [...lead, C];
        const rank = Math.min(smallRank, bigShape.length);
        const big = randomTensor(rng, bigShape, -3, 3);
        const small = randomTensor(rng, [...Array(rank - 1).fill(1), C], -3, 3);
        const inputs = swap ? { a: small, b: big } : { a: big, b: small };
        const ref = runKernelOn('cpu', kernel, inputs, {});
        const got = runKernelOn('wasm', kernel, inputs, {});
        expect(got.shape).toEqual(ref.shape);
        expect(Array.from(got.values)).toEqual(Array.from(ref.values));
      }),
      RUNS,
    );
  });
});
