import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkChoice, checkInteger, correctInRandomOrder, GramianError } from '../src/index.js';
import { float32Rcond, minNormKktResidual, minNormOnSimplex } from '../src/linalg.js';

describe('minNormOnSimplex', () => {
  it('K = 2 matches the closed form t = (G11 − G01)/(G00 − 2G01 + G11) on conflicting pairs', () => {
    // torchjd's pair: G = [[18, -22], [-22, 38]] gives t = 60/100
    const w = minNormOnSimplex(Float64Array.of(18, -22, -22, 38), 2);
    expect(w[0]).toBeCloseTo(0.6, 14);
    expect(w[1]).toBeCloseTo(0.4, 14);
  });

  it('returns a simplex point satisfying the KKT conditions (random PSD G, scales 1e-8..1e8)', () => {
    const arb = fc.integer({ min: 1, max: 6 }).chain((K) =>
      fc.record({
        K: fc.constant(K),
        F: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
          minLength: K * (K + 1),
          maxLength: K * (K + 1),
        }),
        e: fc.integer({ min: -8, max: 8 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ K, F, e }) => {
        const P = K + 1;
        const G = new Float64Array(K * K);
        for (let i = 0; i < K; i++)
          for (let j = 0; j < K; j++) {
            let s = 0;
            for (let p = 0; p < P; p++) s += F[i * P + p]! * F[j * P + p]!;
            G[i * K + j] = s * 10 ** e;
          }
        const w = minNormOnSimplex(G, K);
        expect(w.every((v) => v >= 0)).toBe(true);
        expect(Math.abs(w.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
        expect(minNormKktResidual(G, K, w)).toBeLessThan(1e-9);
      }),
      { numRuns: 150 },
    );
  });
});

it('float32Rcond(K) = K · 2⁻²³ (torch.linalg.pinv float32 default)', () => {
  expect(float32Rcond(1)).toBe(1.1920928955078125e-7);
  expect(float32Rcond(3)).toBe(3 * 1.1920928955078125e-7);
});

describe('correctInRandomOrder', () => {
  it('without corrections the update is the plain sum and every other task is visited once per task', () => {
    const seen: Array<[number, number]> = [];
    const { weights, corrections } = correctInRandomOrder(
      3,
      () => [2, 0, 1],
      (_c, i, j) => {
        seen.push([i, j]);
        return false;
      },
    );
    expect(Array.from(weights)).toEqual([1, 1, 1]);
    expect(corrections).toBe(0);
    expect(seen).toEqual([
      [0, 2],
      [0, 1],
      [1, 2],
      [1, 0],
      [2, 0],
      [2, 1],
    ]);
  });

  it('sums the corrected coefficients and counts the corrections', () => {
    const { weights, corrections } = correctInRandomOrder(
      2,
      () => [0, 1],
      (c, _i, j) => {
        c[j] = c[j]! + 0.5;
        return true;
      },
    );
    expect(Array.from(weights)).toEqual([1.5, 1.5]);
    expect(corrections).toBe(2);
  });
});

describe('option checks', () => {
  it('checkChoice names the method, option, choices and value', () => {
    expect(() => checkChoice('m', 'reduction', 'max', ['sum', 'mean'])).toThrow(
      "m: option reduction must be 'sum' or 'mean', got max",
    );
    expect(() => checkChoice('m', 'reduction', 'sum', ['sum', 'mean'])).not.toThrow();
  });

  it('checkInteger rejects fractions and out-of-range values with invalid-option', () => {
    for (const v of [2.5, 0, Number.NaN]) {
      expect(() => checkInteger('m', 'maxIterations', v, 1, 10)).toThrow(GramianError);
    }
    expect(() => checkInteger('m', 'maxIterations', 2.5, 1, 10)).toThrow(/must be an integer, got 2.5/);
    expect(() => checkInteger('m', 'maxIterations', 10, 1, 10)).not.toThrow();
  });
});
