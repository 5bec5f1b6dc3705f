import { auc } from '@cs-dfd/metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { methodColorScale } from '../src/grid/report/colors.js';
import { pooledRoc, rocSpec } from '../src/grid/report/roc.js';

const s = (labels: number[], scores: number[]) => ({
  labels: Uint8Array.from(labels),
  scores: Float64Array.from(scores),
});

describe('pooledRoc', () => {
  it('matches a hand-computed curve for one seed', () => {
    // Descending: 0.8 fake, 0.4 real, 0.35 fake, 0.1 real -> (0,0) (0,.5) (.5,.5) (.5,1) (1,1).
    const pts = pooledRoc([s([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])]);
    expect(pts).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0.5, tpr: 0.5 },
      { fpr: 0.5, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it('pools two seeds into one sample (ties across seeds make one point)', () => {
    // Pooled, descending: .8 F, .4 R + .4 F (tie), .35 F, .2 R, .1 R; 3 fakes, 3 reals.
    const pts = pooledRoc([s([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), s([1, 0], [0.4, 0.2])]);
    const want = [
      [0, 0],
      [0, 1 / 3],
      [1 / 3, 2 / 3],
      [1 / 3, 1],
      [2 / 3, 1],
      [1, 1],
    ];
    expect(pts).toHaveLength(want.length);
    pts!.forEach((p, i) => {
      expect(p.fpr).toBeCloseTo(want[i]![0]!, 12);
      expect(p.tpr).toBeCloseTo(want[i]![1]!, 12);
    });
    // Thinned to 3: indices 0, round(2.5) = 3, 5.
    const thin = pooledRoc([s([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), s([1, 0], [0.4, 0.2])], 3);
    expect(thin!.map((p) => [p.fpr, p.tpr])).toEqual([want[0], want[3], want[5]]);
  });

  it('has no curve when the pooled sample holds one class', () => {
    expect(pooledRoc([s([1, 1], [0.2, 0.3]), s([1], [0.9])])).toBeNull();
  });

  it('is monotone from (0,0) to (1,1) within max points, and its area is the pooled AUC', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 20 })), {
            minLength: 1,
            maxLength: 40,
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.integer({ min: 2, max: 50 }),
        (seeds, max) => {
          const parts = seeds.map((xs) =>
            s(
              xs.map((x) => x[0]),
              xs.map((x) => x[1] / 20),
            ),
          );
          const labels = parts.flatMap((p) => [...p.labels]);
          const scores = parts.flatMap((p) => [...p.scores]);
          fc.pre(labels.includes(0) && labels.includes(1));
          const thinned = pooledRoc(parts, max)!;
          expect(thinned.length).toBeLessThanOrEqual(max);
          expect(thinned[0]).toEqual({ fpr: 0, tpr: 0 });
          expect(thinned.at(-1)).toEqual({ fpr: 1, tpr: 1 });
          for (let i = 1; i < thinned.length; i++) {
            expect(thinned[i]!.fpr).toBeGreaterThanOrEqual(thinned[i - 1]!.fpr);
            expect(thinned[i]!.tpr).toBeGreaterThanOrEqual(thinned[i - 1]!.tpr);
          }
          const full = pooledRoc(parts, Number.POSITIVE_INFINITY)!;
          let area = 0;
          for (let i = 1; i < full.length; i++)
            area += ((full[i]!.fpr - full[i - 1]!.fpr) * (full[i]!.tpr + full[i - 1]!.tpr)) / 2;
          expect(area).toBeCloseTo(auc(labels, scores), 10);
        },
      ),
    );
  });
});

describe('rocSpec', () => {
  it('carries each method’s points in order, the seeds in the subtitle and a colour scale of the drawn methods', () => {
    const pts = pooledRoc([s([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])])!;
    const spec = rocSpec('cross:x', [{ method: 'uvs', seeds: [0, 1], points: pts }], ['joint', 'uvs']) as {
      title: { text: string; subtitle: string };
      data: { values: { method: string; fpr: number; tpr: number; order: number }[] };
      layer: { encoding: { color?: { scale: { domain: string[]; range: string[] } } } }[];
    };
    expect(spec.title.text).toBe('ROC, cross:x');
    expect(spec.title.subtitle).toContain('seeds 0, 1 pooled');
    expect(spec.data.values.map((v) => [v.fpr, v.tpr, v.order])).toEqual([
      [0, 0, 0],
      [0, 0.5, 1],
      [0.5, 0.5, 2],
      [0.5, 1, 3],
      [1, 1, 4],
    ]);
    // Only the methods drawn are in the legend, each in its grid-wide colour.
    expect(spec.layer[0]!.encoding.color!.scale).toEqual(methodColorScale(['joint', 'uvs'], ['uvs']));
    expect(spec.layer[0]!.encoding.color!.scale.domain).toEqual(['uvs']);
  });
});
