import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auc,
  averagePrecision,
  bootstrapCI,
  classAccuracies,
  eer,
  rocCurve,
  videoScores,
} from '../src/index.js';

const quiet = { warn: () => {} };

/** Samples with both classes; integer scores in a small range so that ties are common. */
const twoClass = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: -20, max: 20 })), {
    minLength: 2,
    maxLength: 60,
  })
  .map((pairs) => [[1, 0], [0, 1], ...pairs] as [number, number][])
  .map((pairs) => ({ y: pairs.map((p) => p[0]), s: pairs.map((p) => p[1]) }));

/** O(n₊n₋) Mann–Whitney count, ties ½: the definition, independent of the rank-sum implementation. */
function naiveU(y: number[], s: number[]): number {
  let u = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      u += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return u;
}

describe('AUC properties', () => {
  it('AUC = Mann-Whitney U / (n_pos n_neg)', () => {
    fc.assert(
      fc.property(twoClass, ({ y, s }) => {
        const nPos = y.filter((v) => v === 1).length;
        expect(auc(y, s)).toBeCloseTo(naiveU(y, s) / (nPos * (y.length - nPos)), 12);
      }),
    );
  });

  it('is invariant under strictly increasing transforms of the scores', () => {
    const transforms = [(x: number) => 3 * x - 7, (x: number) => x ** 3 + x, (x: number) => Math.exp(x / 4)];
    fc.assert(
      fc.property(twoClass, fc.constantFrom(...transforms), ({ y, s }, f) => {
        expect(auc(y, s.map(f))).toBe(auc(y, s));
      }),
    );
  });

  it('AUC(labels, -scores) = 1 - AUC(labels, scores)', () => {
    fc.assert(
      fc.property(twoClass, ({ y, s }) => {
        expect(
          auc(
            y,
            s.map((v) => -v),
          ),
        ).toBeCloseTo(1 - auc(y, s), 12);
      }),
    );
  });

  it('equals the trapezoidal area under rocCurve (a second, independent path)', () => {
    fc.assert(
      fc.property(twoClass, ({ y, s }) => {
        const { fpr, tpr } = rocCurve(y, s);
        let area = 0;
        for (let k = 1; k < fpr.length; k++) area += ((fpr[k]! - fpr[k - 1]!) * (tpr[k]! + tpr[k - 1]!)) / 2;
        expect(auc(y, s)).toBeCloseTo(area, 12);
      }),
    );
  });

  it('does not depend on the order of the samples', () => {
    fc.assert(
      fc.property(twoClass, fc.integer(), ({ y, s }, seed) => {
        const idx = y.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101));
        expect(
          auc(
            idx.map((i) => y[i]!),
            idx.map((i) => s[i]!),
          ),
        ).toBeCloseTo(auc(y, s), 12);
      }),
    );
  });
});

describe('AP properties', () => {
  it('equals the mean over positives of the precision at their score (independent formula)', () => {
    // For a positive with score v: precision of "fake when score >= v". Averaging over positives gives each tied
    // group the weight (#positives in it)/n_pos, which is sklearn's step sum.
    fc.assert(
      fc.property(twoClass, ({ y, s }) => {
        let sum = 0;
        let nPos = 0;
        for (let i = 0; i < y.length; i++) {
          if (y[i] !== 1) continue;
          nPos++;
          let called = 0;
          let tp = 0;
          for (let j = 0; j < y.length; j++) {
            if (s[j]! >= s[i]!) {
              called++;
              tp += y[j]!;
            }
          }
          sum += tp / called;
        }
        expect(averagePrecision(y, s)).toBeCloseTo(sum / nPos, 12);
      }),
    );
  });

  it('is 1 when every fake outscores every real', () => {
    fc.assert(
      fc.property(twoClass, ({ y }) => {
        expect(
          averagePrecision(
            y,
            y.map((v) => v),
          ),
        ).toBe(1);
      }),
    );
  });
});

describe('EER properties', () => {
  it('lies in [0, 1], FNR <= EER <= FPR at its threshold, invariant under increasing transforms', () => {
    fc.assert(
      fc.property(twoClass, ({ y, s }) => {
        const r = eer(y, s);
        expect(r.eer).toBeGreaterThanOrEqual(0);
        expect(r.eer).toBeLessThanOrEqual(1);
        const c = classAccuracies(y, s, r.threshold);
        expect(1 - c.fake).toBeLessThanOrEqual(r.eer + 1e-12);
        expect(1 - c.real).toBeGreaterThanOrEqual(r.eer - 1e-12);
        expect(
          eer(
            y,
            s.map((v) => 2 * v + 1),
          ).eer,
        ).toBe(r.eer);
      }),
    );
  });
});

describe('per-class accuracies', () => {
  it('do not depend on sample order', () => {
    fc.assert(
      fc.property(twoClass, fc.integer({ min: -20, max: 20 }), ({ y, s }, t) => {
        const a = classAccuracies(y, s, t);
        const b = classAccuracies([...y].reverse(), [...s].reverse(), t);
        expect([b.real, b.fake, b.acc]).toEqual([a.real, a.fake, a.acc]);
      }),
    );
  });
});

describe('videoScores', () => {
  it('averages frames per id and keeps same-named videos of different methods apart', () => {
    const ids = [
      'FaceForensics++/Deepfakes/000_003',
      'FaceForensics++/Face2Face/000_003',
      'FaceForensics++/Deepfakes/000_003',
      'FaceForensics++/youtube/000',
      'FaceForensics++/Face2Face/000_003',
    ];
    const v = videoScores(ids, [1, 1, 1, 0, 1], [0.2, 0.9, 0.4, 0.1, 0.5]);
    expect(v.videoIds).toEqual([
      'FaceForensics++/Deepfakes/000_003',
      'FaceForensics++/Face2Face/000_003',
      'FaceForensics++/youtube/000',
    ]);
    // (0.2 + 0.4) / 2, (0.9 + 0.5) / 2, 0.1
    expect(Array.from(v.scores)).toEqual([0.30000000000000004, 0.7, 0.1]);
    expect(Array.from(v.frameCounts)).toEqual([2, 2, 1]);
    expect(Array.from(v.labels)).toEqual([1, 1, 0]);
  });

  it('matches a naive group-by mean for random data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true })), {
          maxLength: 40,
        }),
        (frames) => {
          const ids = frames.map(([v]) => `v${v}`);
          const labels = frames.map(([v]) => v % 2);
          const v = videoScores(
            ids,
            labels,
            frames.map(([, s]) => s),
          );
          v.videoIds.forEach((id, k) => {
            const mine = frames.filter(([g]) => `v${g}` === id).map(([, s]) => s);
            expect(v.scores[k]).toBeCloseTo(mine.reduce((a, b) => a + b, 0) / mine.length, 12);
          });
          expect(new Set(v.videoIds).size).toBe(new Set(ids).size);
        },
      ),
    );
  });
});

describe('bootstrapCI', () => {
  function binormal(n: number, shift: number, seed: number): { y: number[]; s: number[] } {
    // Box-Muller on a tiny LCG: independent of @cs-dfd/rng, which the bootstrap uses
    let st = seed >>> 0;
    const u = () => ((st = (Math.imul(st, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
    const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    const y: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < n; i++) {
      y.push(0, 1);
      s.push(g(), g() + shift);
    }
    return { y, s };
  }
  const aucQuiet = (y: Uint8Array, s: Float64Array) => auc(y, s, quiet);

  it('same seed -> same interval; it contains the estimate', () => {
    const { y, s } = binormal(60, 1, 1);
    const a = bootstrapCI(y, s, aucQuiet, { resamples: 200, rng: 5 });
    const b = bootstrapCI(y, s, aucQuiet, { resamples: 200, rng: 5 });
    expect(a).toEqual(b);
    expect(a.lower).toBeLessThan(a.estimate);
    expect(a.upper).toBeGreaterThan(a.estimate);
    expect(a.used).toBe(200);
  });

  it('interval width matches the Hanley-McNeil (1982) standard error of AUC', () => {
    // SE² = [A(1-A) + (n1-1)(Q1-A²) + (n2-1)(Q2-A²)] / (n1 n2), Q1 = A/(2-A), Q2 = 2A²/(1+A).
    // A 95% percentile interval spans about 2·1.96·SE; allow 20% for bootstrap noise at 400 resamples.
    const n = 150;
    const { y, s } = binormal(n, 1, 7);
    const ci = bootstrapCI(y, s, aucQuiet, { resamples: 400, rng: 3 });
    const A = ci.estimate;
    const q1 = A / (2 - A);
    const q2 = (2 * A * A) / (1 + A);
    const se = Math.sqrt((A * (1 - A) + (n - 1) * (q1 - A * A) + (n - 1) * (q2 - A * A)) / (n * n));
    expect((ci.upper - ci.lower) / (2 * 1.96 * se)).toBeGreaterThan(0.8);
    expect((ci.upper - ci.lower) / (2 * 1.96 * se)).toBeLessThan(1.2);
  });

  it('perfect separation gives the degenerate interval [1, 1]', () => {
    const ci = bootstrapCI([0, 0, 0, 1, 1, 1], [1, 2, 3, 4, 5, 6], aucQuiet, { resamples: 100 });
    expect([ci.lower, ci.estimate, ci.upper]).toEqual([1, 1, 1]);
  });

  it('unstratified resamples with one class are skipped, counted and warned about', () => {
    const warnings: string[] = [];
    const ci = bootstrapCI([0, 1, 0], [0.1, 0.9, 0.2], aucQuiet, {
      resamples: 300,
      stratified: false,
      warn: (m) => warnings.push(m),
    });
    // P(no fake among 3 draws) = (2/3)^3 ≈ 0.30: about 89 of 300 resamples skipped
    expect(ci.skipped).toBeGreaterThan(50);
    expect(ci.skipped + ci.used).toBe(300);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${ci.skipped} of 300`);
  });
});
