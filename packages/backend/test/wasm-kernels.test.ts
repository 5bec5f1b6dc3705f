import { readFileSync } from 'node:fs';
import { Rng } from '@cs-dfd/rng';
import { backend_util, getKernel, type TensorInfo } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { generateTrainKernelsWat } from '../scripts/gen-wat.mjs';
// @ts-expect-error: a plain .mjs build script without type declarations
import { assembleTrainKernels, renderModule, WAT_PATH } from '../scripts/wasm-module.mjs';
import { BackendError } from '../src/errors.js';
import type { HeapBackend } from '../src/kernels/heap.js';
import {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  conv2DBackpropFilterGemm,
  stockWasmKernel,
} from '../src/kernels/index.js';
import { trainKernels } from '../src/wasm/kernels.js';
import {
  backendOf,
  type HostTensor,
  padArb,
  randomTensor,
  relErr,
  runKernelOn,
  setupBackends,
} from './helpers.js';

beforeAll(setupBackends);

const RUNS = { numRuns: 40 };

describe('train-kernels.wat', () => {
  it('the committed .wat is what gen-wat.mjs makes from the template and the unrolled families', () => {
    expect(readFileSync(WAT_PATH, 'utf8')).toBe(generateTrainKernelsWat());
  });

  it('the committed module is what the .wat assembles to', async () => {
    const committed = readFileSync(new URL('../src/wasm/train-kernels.wasm.ts', import.meta.url), 'utf8');
    expect(committed).toBe(renderModule(await assembleTrainKernels()));
  });

  it("binds to the wasm backend's heap (the tests below would otherwise check the JS fallbacks)", () => {
    const kernels = trainKernels(backendOf('wasm') as unknown as HeapBackend);
    expect(kernels).not.toBeNull();
    expect(typeof kernels?.filterGrad).toBe('function');
    expect(typeof kernels?.maxPool2x2Grad).toBe('function');
  });

  it('is null for a backend whose memory it cannot import (a shared memory, or none)', () => {
    // @types/node 20 does not declare the WebAssembly API (lib.dom would).
    const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => object } })
      .WebAssembly;
    const shared = new Memory({ initial: 1, maximum: 2, shared: true });
    const fake = (memory: unknown) => ({ wasm: { asm: { memory } } }) as unknown as HeapBackend;
    expect(trainKernels(fake(shared))).toBeNull();
    expect(trainKernels(fake(undefined))).toBeNull();
  });
});

describe('SIMD Conv2DBackpropFilter', () => {
  // Output channels a multiple of 8 (the SIMD kernel's condition); K = fh·fw·ci of every residue mod 4 (row tail),
  // maps smaller and larger than a 256-position block, strides that skip input, pads of every kind.
  const simdCase = fc.record({
    seed: fc.integer(),
    B: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 20 }),
    W: fc.integer({ min: 1, max: 20 }),
    ci: fc.integer({ min: 1, max: 5 }),
    co: fc.constantFrom(8, 16, 24),
    fh: fc.integer({ min: 1, max: 4 }),
    fw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    pad: padArb,
  });
  const simd = conv2DBackpropFilterGemm('wasm');
  const gemm = conv2DBackpropFilterGemm('wasm', { simd: false });

  it('equals the cpu reference kernel and the GEMM path', () => {
    fc.assert(
      fc.property(simdCase, (c) => {
        const filter: [number, number, number, number] = [c.fh, c.fw, c.ci, c.co];
        const info = backend_util.computeConv2DInfo([c.B, c.H, c.W, c.ci], filter, [c.sh, c.sw], 1, c.pad);
        fc.pre(info.outHeight > 0 && info.outWidth > 0);
        const rng = new Rng(c.seed);
        const x = randomTensor(rng, [c.B, c.H, c.W, c.ci]);
        const dy = randomTensor(rng, info.outShape);
        const attrs = { strides: [c.sh, c.sw], pad: c.pad, dataFormat: 'NHWC', filterShape: filter };
        const ref = runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
        const got = runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs, simd);
        const viaGemm = runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs, gemm);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
        expect(relErr(got.values, viaGemm.values)).toBeLessThan(1e-5);
      }),
      RUNS,
    );
  });

  it('reads x in place when the forward pass used all of it unpadded, and §12-sized layers agree', () => {
    const rng = new Rng(7);
    for (const [shape, co, pad] of [
      [[2, 9, 9, 4], 16, 'valid'],
      [[2, 34, 34, 3], 8, 'valid'],
      [[2, 32, 32, 8], 16, 'same'],
    ] as const) {
      const x = randomTensor(rng, [...shape]);
      const info = backend_util.computeConv2DInfo([...shape], [3, 3, shape[3], co], 1, 1, pad);
      const dy = randomTensor(rng, info.outShape);
      const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC', filterShape: [3, 3, shape[3], co] };
      const ref = runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
      const got = runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs, simd);
      expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
    }
  });
});

/** Layers the Winograd kernels take: 3×3, stride 1, Ci a multiple of 4, Co of 8; maps of odd and even sizes. */
function winogradCase(minSize: number, maxSize: number) {
  return fc.record({
    seed: fc.integer(),
    B: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: minSize, max: maxSize }),
    W: fc.integer({ min: minSize, max: maxSize }),
    ci: fc.constantFrom(4, 8, 12, 32),
    co: fc.constantFrom(8, 16, 24),
    pad: padArb,
  });
}

describe('Winograd F(3x3, 2x2) Conv2DBackpropFilter (3x3, stride 1, Ci % 4 = 0, Co % 8 = 0)', () => {
  const winoCase = winogradCase(1, 21);
  const registered = conv2DBackpropFilterGemm('wasm');
  const direct = conv2DBackpropFilterGemm('wasm', { winograd: false });

  it('equals the cpu reference kernel and the direct SIMD kernel (maps 1–21 with odd sizes, every padding, > 1 tile block)', () => {
    fc.assert(
      fc.property(winoCase, (c) => {
        const filterShape: [number, number, number, number] = [3, 3, c.ci, c.co];
        const info = backend_util.computeConv2DInfo([c.B, c.H, c.W, c.ci], filterShape, 1, 1, c.pad);
        fc.pre(info.outHeight > 0 && info.outWidth > 0);
        const rng = new Rng(c.seed);
        const x = randomTensor(rng, [c.B, c.H, c.W, c.ci]);
        const dy = randomTensor(rng, info.outShape);
        const attrs = { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', filterShape };
        const ref = runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
        const got = runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs, registered);
        const viaDirect = runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs, direct);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
        expect(relErr(viaDirect.values, ref.values)).toBeLessThan(1e-5);
        // Winograd sums in another order than the direct kernel: equal to rounding, not bit for bit
        expect(relErr(got.values, viaDirect.values)).toBeLessThan(1e-5);
      }),
      { numRuns: 25 },
    );
  });
});

describe('SIMD MaxPoolGrad (2x2, stride 2, channels a multiple of 4)', () => {
  // Values drawn from a small set with -0, +-Infinity and NaN: ties, all-negative and all-(-Infinity) windows, and
  // NaN (never the maximum) in every window position.
  const special = [-2, -1, -0, 0, 0.5, 1, 2, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN];
  const poolCase = fc.record({
    B: fc.integer({ min: 1, max: 3 }),
    OH: fc.integer({ min: 1, max: 6 }),
    OW: fc.integer({ min: 1, max: 6 }),
    C: fc.constantFrom(4, 8, 12, 16),
    seed: fc.integer(),
    specials: fc.boolean(),
  });

  it('equals the cpu reference kernel bit for bit', () => {
    fc.assert(
      fc.property(poolCase, (c) => {
        const shape = [c.B, 2 * c.OH, 2 * c.OW, c.C];
        const rng = new Rng(c.seed);
        const input: HostTensor = randomTensor(rng, shape);
        if (c.specials) {
          input.values = input.values.map(() => special[Math.floor(rng.next() * special.length)]!);
        }
        const dy = randomTensor(rng, [c.B, c.OH, c.OW, c.C]);
        const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
        const output = runKernelOn('cpu', 'MaxPool', { x: input }, attrs);
        const ref = runKernelOn('cpu', 'MaxPoolGrad', { dy, input, output }, attrs);
        const got = runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
        expect(Array.from(got.values)).toEqual(Array.from(ref.values));
      }),
      RUNS,
    );
  });
});

describe('SIMD training-mode BatchNorm kernels', () => {
  /** Runs a multi-output wasm kernel on host data and reads every output back. */
  function runMulti(name: string, inputs: Record<string, HostTensor>, attrs: Record<string, number>) {
    const backend = backendOf('wasm');
    const infos: Record<string, TensorInfo> = {};
    for (const [k, t] of Object.entries(inputs)) {
      infos[k] = { dataId: backend.write(t.values, t.shape, 'float32'), shape: t.shape, dtype: 'float32' };
    }
    try {
      const outs = getKernel(name, 'wasm')!.kernelFunc({ inputs: infos, attrs, backend }) as TensorInfo[];
      return outs.map((o) => {
        const values = Float64Array.from(backend.readSync(o.dataId) as Float32Array);
        backend.disposeData(o.dataId);
        return values;
      });
    } finally {
      for (const t of Object.values(infos)) backend.disposeData(t.dataId);
    }
  }

  const bnCase = fc.record({
    seed: fc.integer(),
    rows: fc.integer({ min: 2, max: 300 }),
    C: fc.constantFrom(4, 8, 16, 36),
    offset: fc.constantFrom(0, 3, -50),
    epsilon: fc.constantFrom(1e-5, 1e-3),
  });

  it('forward and gradient equal float64 host formulas (means far from 0 included)', () => {
    fc.assert(
      fc.property(bnCase, ({ seed, rows, C, offset, epsilon }) => {
        const rng = new Rng(seed);
        const x = randomTensor(rng, [rows, C], offset - 1, offset + 1);
        const gamma = randomTensor(rng, [C], -2, 2);
        const beta = randomTensor(rng, [C]);
        const dy = randomTensor(rng, [rows, C]);
        const [y, xc, mean, variance, inv] = runMulti(BATCH_NORM_TRAIN, { x, gamma, beta }, { epsilon });
        // float64 reference, two-pass
        const m = new Float64Array(C);
        const v = new Float64Array(C);
        for (let i = 0; i < rows * C; i++) m[i % C]! += x.values[i]! / rows;
        for (let i = 0; i < rows * C; i++) v[i % C]! += (x.values[i]! - m[i % C]!) ** 2 / rows;
        const is = Array.from(v, (s) => 1 / Math.sqrt(s + epsilon));
        const xcRef = Array.from(x.values, (val, i) => val - m[i % C]!);
        expect(relErr(mean!, m)).toBeLessThan(1e-6);
        expect(relErr(variance!, v)).toBeLessThan(1e-5);
        expect(relErr(inv!, is)).toBeLessThan(1e-5);
        // x - μ in float32: μ rounds to float32 first, an error of half an ulp of |μ| ≈ |offset|.
        expect(relErr(xc!, xcRef)).toBeLessThan(4e-7 * (1 + Math.abs(offset)));
        // y from the kernel's own xc: the float32 rounding of x - μ is checked just above, and amplified by 1/σ here
        // when a channel's spread is tiny against its mean.
        const yRef = Array.from(xc!, (d, i) => d * gamma.values[i % C]! * is[i % C]! + beta.values[i % C]!);
        expect(relErr(y!, yRef)).toBeLessThan(1e-5);
        // gradient from the kernel's own saved xc and inv (as the op hands them over)
        const [dx, dgamma, dbeta] = runMulti(
          BATCH_NORM_TRAIN_GRAD,
          {
            dy,
            xc: { values: Float32Array.from(xc!), shape: [rows, C] },
            invStd: { values: Float32Array.from(inv!), shape: [C] },
            gamma,
          },
          {},
        );
        // The reference takes the kernel's own xc and 1/σ (float32 values), so it checks the gradient kernel alone.
        const sb = new Float64Array(C);
        const sg = new Float64Array(C);
        for (let i = 0; i < rows * C; i++) {
          sb[i % C]! += dy.values[i]!;
          sg[i % C]! += dy.values[i]! * xc![i]!;
        }
        const dxRef = Array.from(dy.values, (d, i) => {
          const c = i % C;
          const a = gamma.values[c]! * inv![c]!;
          return a * (d - sb[c]! / rows - (xc![i]! * inv![c]! ** 2 * sg[c]!) / rows);
        });
        expect(relErr(dbeta!, sb)).toBeLessThan(1e-5);
        expect(
          relErr(
            dgamma!,
            Array.from(sg, (g, c) => g * inv![c]!),
          ),
        ).toBeLessThan(1e-5);
        expect(relErr(dx!, dxRef)).toBeLessThan(1e-5);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a channel count that is not a multiple of 4, naming the shape', () => {
    const rng = new Rng(1);
    const x = randomTensor(rng, [3, 6]);
    const g = randomTensor(rng, [6]);
    let error: unknown;
    try {
      runMulti(BATCH_NORM_TRAIN, { x, gamma: g, beta: g }, { epsilon: 1e-3 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/multiple of 4 channels.*\[3,6\]/);
  });
});

describe('Winograd F(2x2, 3x3) Conv2D (3x3, stride 1, Ci % 4 = 0, Co % 8 = 0)', () => {
  const winoCase = winogradCase(4, 19);

  it('Conv2D and Conv2DBackpropInput equal the cpu reference kernels (odd sizes, every padding)', () => {
    fc.assert(
      fc.property(winoCase, (c) => {
        const filterShape: [number, number, number, number] = [3, 3, c.ci, c.co];
        const info = backend_util.computeConv2DInfo([c.B, c.H, c.W, c.ci], filterShape, 1, 1, c.pad);
        fc.pre(info.outHeight > 0 && info.outWidth > 0);
        const rng = new Rng(c.seed);
        const x = randomTensor(rng, [c.B, c.H, c.W, c.ci]);
        const filter = randomTensor(rng, filterShape);
        const attrs = { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] };
        const ref = runKernelOn('cpu', 'Conv2D', { x, filter }, attrs);
        const got = runKernelOn('wasm', 'Conv2D', { x, filter }, attrs);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
        // the input gradient: a stride-1 3x3 convolution of dy with the flipped filter (Co, Ci swapped)
        const dy = randomTensor(rng, info.outShape);
        const bAttrs = { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', inputShape: [c.B, c.H, c.W, c.ci] };
        const dxRef = runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter }, bAttrs);
        const dxGot = runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, bAttrs);
        expect(relErr(dxGot.values, dxRef.values)).toBeLessThan(1e-5);
      }),
      { numRuns: 30 },
    );
  });

  it('runs for the §12 layers (and agrees with the stock kernel there), not for shapes where it does not pay', () => {
    const stock = stockWasmKernel('Conv2D')!;
    const ours = getKernel('Conv2D', 'wasm')!;
    expect(ours.kernelFunc).not.toBe(stock.kernelFunc);
    const rng = new Rng(3);
    const x = randomTensor(rng, [4, 32, 32, 16]);
    const filter = randomTensor(rng, [3, 3, 16, 32]);
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    stock.setupFunc?.(backendOf('wasm'));
    const viaStock = runKernelOn('wasm', 'Conv2D', { x, filter }, attrs, stock.kernelFunc);
    const viaOurs = runKernelOn('wasm', 'Conv2D', { x, filter }, attrs);
    const d = relErr(viaOurs.values, viaStock.values);
    // Winograd rounds differently from the direct sum: equal to float tolerance, not bit for bit
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(1e-5);
    // a 4x4 map with 256 channels each way goes to the stock kernel: bit-identical
    const small = randomTensor(rng, [1, 4, 4, 256]);
    const wide = randomTensor(rng, [3, 3, 256, 256]);
    const a = runKernelOn('wasm', 'Conv2D', { x: small, filter: wide }, attrs);
    const b = runKernelOn('wasm', 'Conv2D', { x: small, filter: wide }, attrs, stock.kernelFunc);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });
});
