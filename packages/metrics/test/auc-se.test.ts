import { Rng } from '@cs-dfd/rng';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auc, hanleyMcNeilSE, MetricsError } from '../src/index.js';

describe('hanleyMcNeilSE', () => {
  it("reproduces Hanley & McNeil's (1982) worked example: W = 0.893, 51 abnormal, 58 normal -> SE 0.032", () => {
    expect(hanleyMcNeilSE(0.893, 51, 58)).toBeCloseTo(0.0325, 3);
  });

  it('equals the exact null variance of the Mann-Whitney statistic at AUC 0.5: (m+n+1)/(12mn)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), (m, n) => {
        expect(hanleyMcNeilSE(0.5, m, n) ** 2).toBeCloseTo((m + n + 1) / (12 * m * n), 12);
      }),
    );
  });

  // Q1 and Q2 are exact for exponential scores (the model Hanley and McNeil derived them from), so there the
  // formula is the U-statistic's exact variance and only the simulation's sampling error (about 4%) remains.
  it('matches the spread of AUCs over independent exponential-score test sets within 10%', () => {
    const rng = new Rng(7);
    const [nFake, nReal, rate] = [300, 100, 0.25];
    const values: number[] = [];
    for (let r = 0; r < 400; r++) {
      const y = new Uint8Array(nFake + nReal);
      const s = new Float64Array(nFake + nReal);
      for (let i = 0; i < nFake; i++) {
        y[i] = 1;
        s[i] = -Math.log(1 - rng.next()) / rate;
      }
      for (let i = nFake; i < nFake + nReal; i++) s[i] = -Math.log(1 - rng.next());
      values.push(auc(y, s));
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    expect(hanleyMcNeilSE(mean, nFake, nReal) / sd).toBeGreaterThan(0.9);
    expect(hanleyMcNeilSE(mean, nFake, nReal) / sd).toBeLessThan(1.1);
  });

  it('shrinks as either class grows and is 0 at a perfect AUC', () => {
    expect(hanleyMcNeilSE(0.8, 200, 100)).toBeLessThan(hanleyMcNeilSE(0.8, 100, 100));
    expect(hanleyMcNeilSE(0.8, 100, 200)).toBeLessThan(hanleyMcNeilSE(0.8, 100, 100));
    expect(hanleyMcNeilSE(1, 10, 10)).toBe(0);
  });

  it('rejects an AUC outside [0, 1] and non-positive or fractional counts, naming the field', () => {
    expect(() => hanleyMcNeilSE(1.2, 10, 10)).toThrow(/auc must be in \[0, 1\] \(got 1.2\)/);
    expect(() => hanleyMcNeilSE(Number.NaN, 10, 10)).toThrow(MetricsError);
    expect(() => hanleyMcNeilSE(0.7, 0, 10)).toThrow(/nFake must be a positive integer \(got 0\)/);
    expect(() => hanleyMcNeilSE(0.7, 10, 2.5)).toThrow(/nReal must be a positive integer \(got 2.5\)/);
  });
});
