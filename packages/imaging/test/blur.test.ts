// Separable filters: kernels, the convolution loop against a direct 2-D convolution for both borders and for
// 1 and 3 channels, the faceworld Gaussian's mass and constant images, the box-filter approximation.
import { Rng } from '@cs-dfd/rng';
import { gauss, naiveConv2d } from '@cs-dfd/test-utils/imaging';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  approxGaussianBlur,
  convolveSeparable,
  defaultSigma,
  gaussianBlur,
  gaussianKernel,
  gaussianTaps,
  ImagingError,
} from '../src/index.js';

describe('gaussianKernel', () => {
  it("uses OpenCV's default sigma (golden: 3 taps -> 0.8, 5 -> 1.1, 7 -> 1.4, 25 -> 4.1)", () => {
    expect(defaultSigma(3)).toBeCloseTo(0.8, 12);
    expect(defaultSigma(5)).toBeCloseTo(1.1, 12);
    expect(defaultSigma(7)).toBeCloseTo(1.4, 12);
    expect(defaultSigma(25)).toBeCloseTo(4.1, 12);
  });
  it('equals the sampled normalised Gaussian', () => {
    const k = gaussianKernel(9, 2.5);
    gauss(9, 2.5).forEach((v, i) => expect(k[i]).toBeCloseTo(v, 14));
  });
  it('rejects even sizes with a RangeError', () => expect(() => gaussianKernel(4)).toThrow(RangeError));
});

describe('convolveSeparable', () => {
  it('equals a direct 2-D convolution with reflect-101 borders (flat regions, edges and noise)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 4 }),
        fc.double({ min: 0.3, max: 40, noNaN: true }),
        fc.integer(),
        (w, h, r, sigma, seed) => {
          const rng = new Rng(seed);
          // Mostly binary with some grey: exercises both the copy path and the summing path.
          const src = Float32Array.from({ length: w * h }, () =>
            rng.bernoulli(0.2) ? rng.next() : rng.bernoulli() ? 1 : 0,
          );
          const k = gaussianKernel(2 * r + 1, sigma);
          const got = convolveSeparable(src, w, h, k);
          const want = naiveConv2d(src, w, h, k);
          for (let i = 0; i < w * h; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('approxGaussianBlur', () => {
  it('has an impulse response within 12.5% of the Gaussian peak (the 2-D limit of three boxes is 1 - (3/4)²·2π/4 ≈ 12%), unit mass, standard deviation sigma (±10%)', () => {
    for (const sigma of [2, 5, 7, 12]) {
      const n = 8 * Math.ceil(sigma) + 1;
      const c = (n - 1) / 2;
      const src = new Float32Array(n * n);
      src[c * n + c] = 1;
      const out = approxGaussianBlur(src, n, n, sigma);
      const g = gauss(n, sigma);
      let mass = 0;
      let varX = 0;
      let err = 0;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const v = out[y * n + x]!;
          mass += v;
          varX += v * (x - c) ** 2;
          err = Math.max(err, Math.abs(v - g[x]! * g[y]!));
        }
      }
      expect(mass).toBeCloseTo(1, 5);
      expect(Math.abs(Math.sqrt(varX) / sigma - 1)).toBeLessThan(0.1);
      expect(err / (g[c]! * g[c]!)).toBeLessThan(0.125);
    }
  });
});

describe('convolveSeparable options', () => {
  it('equals a direct 2-D convolution with clamped borders on 3 interleaved channels (every window summed)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 4 }),
        fc.double({ min: 0.3, max: 6, noNaN: true }),
        fc.integer(),
        (w, h, r, sigma, seed) => {
          const rng = new Rng(seed);
          const src = Float32Array.from({ length: w * h * 3 }, () => 255 * rng.next());
          const k = gaussianKernel(2 * r + 1, sigma);
          const got = convolveSeparable(src, w, h, k, k, {
            channels: 3,
            border: 'clamp',
            copyFlatRuns: false,
          });
          const want = naiveConv2d(src, w, h, k, k, 3, 'clamp');
          for (let i = 0; i < w * h * 3; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-3);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('copies flat windows exactly when asked, and sums them otherwise', () => {
    const src = new Float32Array(7 * 5).fill(0.3);
    const k = gaussianKernel(5, 1.7);
    expect(Array.from(convolveSeparable(src, 7, 5, k))).toEqual(Array.from(src));
    const summed = convolveSeparable(src, 7, 5, k, k, { copyFlatRuns: false });
    for (const v of summed) expect(v).toBeCloseTo(0.3, 6);
  });

  it('applies different kernels per axis (kernelX along rows, kernelY along columns)', () => {
    const src = new Float32Array(25);
    src[12] = 1;
    const out = convolveSeparable(src, 5, 5, [0.25, 0.5, 0.25], [0, 1, 0]);
    expect(Array.from(out.slice(10, 15))).toEqual([0, 0.25, 0.5, 0.25, 0]);
    expect(out[7]).toBe(0);
  });
});

describe('gaussianBlur (sigma-sized, clamped borders)', () => {
  it('preserves the sum away from the edges, a constant image, and has a symmetric impulse response', () => {
    const w = 21;
    const src = new Float32Array(w * w);
    src[10 * w + 10] = 1;
    const out = gaussianBlur(src, w, w, 1, 1.5);
    let s = 0;
    for (const v of out) s += v;
    expect(s).toBeCloseTo(1, 5);
    expect(out[10 * w + 8]).toBeCloseTo(out[10 * w + 12]!, 6);
    expect(out[8 * w + 10]).toBeCloseTo(out[10 * w + 8]!, 6);
    const flat = gaussianBlur(new Float32Array(3 * 25).fill(7), 5, 5, 3, 2);
    for (const v of flat) expect(v).toBeCloseTo(7, 5);
  });

  it('is the separable convolution with gaussianTaps; sigma ≤ 0.05 copies', () => {
    const rng = new Rng(3);
    const src = Float32Array.from({ length: 6 * 4 * 3 }, () => rng.next());
    const want = naiveConv2d(src, 6, 4, gaussianTaps(0.9), gaussianTaps(0.9), 3, 'clamp');
    const got = gaussianBlur(src, 6, 4, 3, 0.9);
    for (let i = 0; i < src.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
    expect(Array.from(gaussianBlur(src, 6, 4, 3, 0.05))).toEqual(Array.from(src));
  });

  it('gaussianTaps: radius max(1, ceil(3σ)), unit sum, the sampled Gaussian to float32 precision', () => {
    for (const sigma of [0.2, 0.5, 1, 2.3, 4]) {
      const t = gaussianTaps(sigma);
      const r = Math.max(1, Math.ceil(3 * sigma));
      expect(t.length).toBe(2 * r + 1);
      expect(t.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      gauss(2 * r + 1, sigma).forEach((v, i) => expect(t[i]).toBeCloseTo(v, 7));
    }
  });
});

describe('errors', () => {
  it('gaussianKernel names the bad size or sigma with an ImagingError', () => {
    expect(() => gaussianKernel(4)).toThrow(ImagingError);
    expect(() => gaussianKernel(4)).toThrow(/size must be an odd positive integer, got 4/);
    expect(() => gaussianKernel(5, 0)).toThrow(/sigma must be > 0, got 0/);
  });
});
