import { Rng } from '@cs-dfd/rng';
import { backend_util } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, stockWasmKernel } from '../src/kernels/index.js';
import { backendOf, randomTensor, relErr, runKernelOn, setupBackends } from './helpers.js';

beforeAll(setupBackends);

type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];
const padArb: fc.Arbitrary<Pad> = fc.oneof(
  fc.constant('valid' as const),
  fc.constant('same' as const),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(
    ([t, b, l, r]) =>
      [
        [0, 0],
        [t, b],
        [l, r],
        [0, 0],
      ] as Pad,
  ),
);

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

const RUNS = { numRuns: 40, seed: 20250721 };

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
