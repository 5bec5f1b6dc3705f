import { Rng } from '@cs-dfd/rng';
import { backend_util } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  conv2DBackpropFilterGemm,
  registerWasmTrainingKernels,
  stockWasmKernel,
} from '../src/kernels/index.js';
import { backendOf, padArb, randomTensor, relErr, runKernelOn, setupBackends } from './helpers.js';

beforeAll(setupBackends);

const convCase = fc.record({
  seed: fc.integer(),
  B: fc.integer({ min: 1, max: 2 }),
  H: fc.integer({ min: 1, max: 8 }),
  W: fc.integer({ min: 1, max: 8 }),
  ci: fc.integer({ min: 1, max: 3 }),
  co: fc.integer({ min: 1, max: 3 }),
  fh: fc.integer({ min: 1, max: 4 }),
  fw: fc.integer({ min: 1, max: 4 }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  pad: padArb,
  dilation: fc.integer({ min: 1, max: 2 }),
});
type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

function convInfo(c: ConvCase, depthwise: boolean, dilation: number) {
  const filter: [number, number, number, number] = [c.fh, c.fw, c.ci, c.co];
  const info = backend_util.computeConv2DInfo(
    [c.B, c.H, c.W, c.ci],
    filter,
    [c.sh, c.sw],
    dilation,
    c.pad,
    undefined,
    depthwise,
  );
  return info.outHeight > 0 && info.outWidth > 0 ? info : undefined;
}

const RUNS = { numRuns: 40 };

describe('wasm training kernels equal the cpu reference kernels', () => {
  it('Conv2DBackpropFilter (random shapes, strides, paddings)', () => {
    fc.assert(
      fc.property(convCase, (c) => {
        const info = convInfo(c, false, 1);
        fc.pre(info != null);
        const rng = new Rng(c.seed);
        const x = randomTensor(rng, [c.B, c.H, c.W, c.ci]);
        const dy = randomTensor(rng, info!.outShape);
        const attrs = {
          strides: [c.sh, c.sw],
          pad: c.pad,
          dataFormat: 'NHWC',
          filterShape: [c.fh, c.fw, c.ci, c.co],
        };
        const ref = runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
        const got = runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
      }),
      RUNS,
    );
  });

  it('Conv2DBackpropFilter split into per-sample chunks (a 1-float column budget) equals cpu', () => {
    // The budget forces one sample per chunk, so the chunk loop, the partial-sum Add and the per-chunk dy copy
    // (on the padded grid for stride 1, a plain row copy otherwise) all run.
    const chunked = conv2DBackpropFilterGemm('wasm', { maxColumnFloats: 1 });
    fc.assert(
      fc.property(convCase, fc.integer({ min: 2, max: 3 }), (c, B) => {
        const info = convInfo({ ...c, B }, false, 1);
        fc.pre(info != null);
        const rng = new Rng(c.seed);
        const x = randomTensor(rng, [B, c.H, c.W, c.ci]);
        const dy = randomTensor(rng, info!.outShape);
        const attrs = {
          strides: [c.sh, c.sw],
          pad: c.pad,
          dataFormat: 'NHWC',
          filterShape: [c.fh, c.fw, c.ci, c.co],
        };
        const ref = runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs);
        const got = runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs, chunked);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
      }),
      RUNS,
    );
  });

  it('Conv2DBackpropInput (random shapes, strides, paddings)', () => {
    fc.assert(
      fc.property(convCase, (c) => {
        const info = convInfo(c, false, 1);
        fc.pre(info != null);
        const rng = new Rng(c.seed);
        const dy = randomTensor(rng, info!.outShape);
        const filter = randomTensor(rng, [c.fh, c.fw, c.ci, c.co]);
        const attrs = {
          strides: [c.sh, c.sw],
          pad: c.pad,
          dataFormat: 'NHWC',
          inputShape: [c.B, c.H, c.W, c.ci],
        };
        const ref = runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs);
        const got = runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs);
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.values, ref.values)).toBeLessThan(1e-5);
      }),
      RUNS,
    );
  });
});

/**
 * Depthwise backprop in float64 loops, straight from the forward definition
 * y[b,oh,ow,c·m+q] = Σ_ij x[b, oh·sh + i·dh - top, ow·sw + j·dw - left, c] · W[i,j,c,q]. The cpu reference kernels
 * ignore dilation, so dilated cases are checked against this instead.
 */
function hostDepthwiseBackprop(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  c: ConvCase,
  info: backend_util.Conv2DInfo,
): { dx: Float64Array; dw: Float64Array } {
  const { B, H, W, ci: C, co: m, fh, fw, sh, sw } = c;
  const { outHeight: OH, outWidth: OW, dilationHeight: dh, dilationWidth: dwl } = info;
  const { top, left } = info.padInfo;
  const dx = new Float64Array(B * H * W * C);
  const dW = new Float64Array(fh * fw * C * m);
  for (let b = 0; b < B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let i = 0; i < fh; i++)
          for (let j = 0; j < fw; j++) {
            const h = oh * sh + i * dh - top;
            const v = ow * sw + j * dwl - left;
            if (h < 0 || h >= H || v < 0 || v >= W) continue;
            for (let ch = 0; ch < C; ch++)
              for (let q = 0; q < m; q++) {
                const g = dy[((b * OH + oh) * OW + ow) * C * m + ch * m + q]!;
                const xi = ((b * H + h) * W + v) * C + ch;
                const wi = ((i * fw + j) * C + ch) * m + q;
                dW[wi]! += x[xi]! * g;
                dx[xi]! += w[wi]! * g;
              }
          }
  return { dx, dw: dW };
}

describe('wasm depthwise backprop kernels', () => {
  it('equal float64 loops for random shapes, strides, paddings and dilations, and cpu where cpu supports it', () => {
    fc.assert(
      fc.property(convCase, (c) => {
        const info = convInfo(c, true, c.dilation);
        fc.pre(info != null);
        const rng = new Rng(c.seed);
        const x = randomTensor(rng, [c.B, c.H, c.W, c.ci]);
        const filter = randomTensor(rng, [c.fh, c.fw, c.ci, c.co]);
        const dy = randomTensor(rng, info!.outShape);
        const common = { strides: [c.sh, c.sw], dilations: [c.dilation, c.dilation], pad: c.pad };
        const fAttrs = { ...common, filterShape: filter.shape };
        const iAttrs = { ...common, inputShape: x.shape };
        const gotW = runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs);
        const gotX = runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, iAttrs);
        const host = hostDepthwiseBackprop(x.values, filter.values, dy.values, c, info!);
        expect(gotW.shape).toEqual(filter.shape);
        expect(gotX.shape).toEqual(x.shape);
        expect(relErr(gotW.values, host.dw)).toBeLessThan(1e-5);
        expect(relErr(gotX.values, host.dx)).toBeLessThan(1e-5);
        if (c.dilation === 1) {
          const refW = runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs);
          const refX = runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, iAttrs);
          expect(relErr(gotW.values, refW.values)).toBeLessThan(1e-5);
          expect(relErr(gotX.values, refX.values)).toBeLessThan(1e-5);
        }
      }),
      RUNS,
    );
  });
});

const poolCase = fc.record({
  seed: fc.integer(),
  B: fc.integer({ min: 1, max: 2 }),
  H: fc.integer({ min: 1, max: 7 }),
  W: fc.integer({ min: 1, max: 7 }),
  C: fc.integer({ min: 1, max: 3 }),
  fh: fc.integer({ min: 1, max: 3 }),
  fw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  pad: fc.constantFrom('valid' as const, 'same' as const),
  // Shifts the values so that whole windows are <= 0 (where stock wasm fails) as often as not.
  shift: fc.constantFrom(-3, -1, 0, 1),
});

describe('pooling gradients on wasm', () => {
  it('MaxPoolGrad equals the cpu reference for random shapes, strides, paddings and signs', () => {
    fc.assert(
      fc.property(poolCase, (c) => {
        const info = backend_util.computePool2DInfo(
          [c.B, c.H, c.W, c.C],
          [c.fh, c.fw],
          [c.sh, c.sw],
          1,
          c.pad,
        );
        fc.pre(info.outHeight > 0 && info.outWidth > 0);
        const rng = new Rng(c.seed);
        const input = randomTensor(rng, [c.B, c.H, c.W, c.C], c.shift - 1, c.shift + 1);
        const dy = randomTensor(rng, info.outShape);
        const attrs = { filterSize: [c.fh, c.fw], strides: [c.sh, c.sw], pad: c.pad };
        const output = runKernelOn('cpu', 'MaxPool', { x: input }, attrs);
        const ref = runKernelOn('cpu', 'MaxPoolGrad', { dy, input, output }, attrs);
        const got = runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
        // Overlapping windows add several dy into one cell: summation order may differ by an ulp.
        expect(relErr(got.values, ref.values)).toBeLessThan(1e-6);
      }),
      RUNS,
    );
  });

  it('MaxPoolGrad 2x2/2 fast path (odd and even sizes, valid and same, ties, signs) equals the cpu reference', () => {
    fc.assert(
      fc.property(
        poolCase,
        fc.boolean(),
        fc.constantFrom('valid' as const, 'same' as const),
        (c, ties, pad) => {
          const info = backend_util.computePool2DInfo([c.B, c.H, c.W, c.C], 2, 2, 1, pad);
          fc.pre(info.outHeight > 0 && info.outWidth > 0);
          const rng = new Rng(c.seed);
          const input = randomTensor(rng, [c.B, c.H, c.W, c.C], c.shift - 1, c.shift + 1);
          // Rounded to a coarse grid, windows often hold equal maxima: the first one in row-major order wins.
          if (ties) input.values = input.values.map((v) => Math.round(v * 2) / 2);
          const dy = randomTensor(rng, info.outShape);
          const attrs = { filterSize: [2, 2], strides: [2, 2], pad };
          const output = runKernelOn('cpu', 'MaxPool', { x: input }, attrs);
          const ref = runKernelOn('cpu', 'MaxPoolGrad', { dy, input, output }, attrs);
          const got = runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
          expect(Array.from(got.values)).toEqual(Array.from(ref.values));
        },
      ),
      RUNS,
    );
  });

  it('stock wasm MaxPoolGrad is wrong on an all-negative window, the registered one is right', () => {
    // One 2x2 window over [-3 -1; -2 -4]: the gradient belongs to the -1 (index 1).
    const input = { values: Float32Array.from([-3, -1, -2, -4]), shape: [1, 2, 2, 1] };
    const output = { values: Float32Array.from([-1]), shape: [1, 1, 1, 1] };
    const dy = { values: Float32Array.from([5]), shape: [1, 1, 1, 1] };
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
    const stock = stockWasmKernel('MaxPoolGrad');
    expect(stock).toBeDefined();
    // The stock kernel binds its wasm function at backend start-up, which ran after ours replaced it.
    stock!.setupFunc?.(backendOf('wasm'));
    const wrong = runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs, stock!.kernelFunc);
    expect(Array.from(wrong.values)).not.toEqual([0, 5, 0, 0]);
    const right = runKernelOn('wasm', 'MaxPoolGrad', { dy, input, output }, attrs);
    expect(Array.from(right.values)).toEqual([0, 5, 0, 0]);
  });

  it('AvgPoolGrad (stock wasm) equals the cpu reference', () => {
    fc.assert(
      fc.property(poolCase, (c) => {
        const info = backend_util.computePool2DInfo(
          [c.B, c.H, c.W, c.C],
          [c.fh, c.fw],
          [c.sh, c.sw],
          1,
          c.pad,
        );
        fc.pre(info.outHeight > 0 && info.outWidth > 0);
        const rng = new Rng(c.seed);
        const input = randomTensor(rng, [c.B, c.H, c.W, c.C]);
        const dy = randomTensor(rng, info.outShape);
        const attrs = { filterSize: [c.fh, c.fw], strides: [c.sh, c.sw], pad: c.pad };
        const ref = runKernelOn('cpu', 'AvgPoolGrad', { dy, input }, attrs);
        const got = runKernelOn('wasm', 'AvgPoolGrad', { dy, input }, attrs);
        expect(relErr(got.values, ref.values)).toBeLessThan(1e-6);
      }),
      RUNS,
    );
  });
});

describe('registration', () => {
  it('is idempotent, frees every intermediate, and leaves cpu kernels alone', () => {
    const again = registerWasmTrainingKernels();
    expect(again.every((r) => r.action === 'already-registered')).toBe(true);
    const wasm = backendOf('wasm');
    const before = wasm.numDataIds();
    const rng = new Rng(7);
    const x = randomTensor(rng, [2, 6, 5, 3]);
    const dy = randomTensor(rng, [2, 3, 3, 4]);
    const filter = randomTensor(rng, [3, 3, 3, 4]);
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NHWC' };
    runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: filter.shape });
    runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: x.shape });
    const dwy = randomTensor(rng, [2, 3, 3, 6]);
    const dwAttrs = { strides: [2, 2], dilations: [1, 1], pad: 'same' };
    runKernelOn(
      'wasm',
      'DepthwiseConv2dNativeBackpropFilter',
      { x, dy: dwy },
      { ...dwAttrs, filterShape: [3, 3, 3, 2] },
    );
    // The GEMM filter kernel's stride-1 path (padded grid) in per-sample chunks: heap buffers it allocates itself.
    const dy1 = randomTensor(rng, [2, 6, 5, 4]);
    runKernelOn(
      'wasm',
      'Conv2DBackpropFilter',
      { x, dy: dy1 },
      { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: filter.shape },
      conv2DBackpropFilterGemm('wasm', { maxColumnFloats: 1 }),
    );
    expect(wasm.numDataIds()).toBe(before);
    expect(stockWasmKernel('Conv2DBackpropFilter')).toBeUndefined();
  });
});
