import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosineCurve, cosineSpec, defaultCosineWindow, movingMean } from '../src/grid/report/cosine.js';
import { GridReportError } from '../src/grid/report/errors.js';
import { parseCosines } from '../src/grid/report/inputs.js';

describe('parseCosines', () => {
  it('keeps the finite cosine of non-skipped step lines only', () => {
    const log = [
      '{"type":"step","step":0,"skipped":false,"losses":{"original":1},"cosine":0.5,"ms":3}',
      '{"type":"eval","split":"val","step":1,"auc":0.7,"cosine":0.1}',
      '{"type":"step","step":1,"skipped":true,"cosine":0.9}',
      '{"type":"step","step":2,"skipped":false,"cosine":null}',
      '{"type":"step","step":3,"skipped":false}',
      '',
      '{"type":"step","step":4,"skipped":false,"cosine":-0.25,"headCosine":0.3}',
    ].join('\n');
    expect(parseCosines(log, 'log.jsonl')).toEqual([
      { step: 0, cosine: 0.5 },
      { step: 4, cosine: -0.25 },
    ]);
  });

  it('names the file and line of a line that is not JSON', () => {
    const bad = '{"type":"step","step":0,"cosine":1}\n{"type":"step",';
    expect(() => parseCosines(bad, 'cells/uvs/seed-0/log.jsonl')).toThrow(GridReportError);
    expect(() => parseCosines(bad, 'cells/uvs/seed-0/log.jsonl')).toThrow(
      /cells\/uvs\/seed-0\/log\.jsonl:2: not a JSON line/,
    );
  });
});

describe('movingMean', () => {
  it('is a centred window truncated at the ends (hand-computed)', () => {
    const got = movingMean([0.5, 0, -0.5, 0, 1], 3);
    const want = [0.25, 0, -1 / 6, 1 / 6, 0.5];
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 14));
  });

  it('rejects an even or non-positive window with a typed error', () => {
    expect(() => movingMean([1, 2], 4)).toThrow(/odd positive integer, got 4/);
    expect(() => movingMean([1, 2], 0)).toThrow(GridReportError);
  });

  const series = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 });
  const window = fc.integer({ min: 0, max: 40 }).map((k) => 2 * k + 1);

  it('stays within the series range, keeps constants, and is the identity for window 1', () => {
    fc.assert(
      fc.property(series, window, (xs, w) => {
        const m = movingMean(xs, w);
        const lo = Math.min(...xs);
        const hi = Math.max(...xs);
        for (const x of m) {
          expect(x).toBeGreaterThanOrEqual(lo - 1e-12);
          expect(x).toBeLessThanOrEqual(hi + 1e-12);
        }
        // +0: a sum starting at 0 turns -0 into 0.
        expect(movingMean(xs, 1)).toEqual(xs.map((x) => x + 0));
        for (const x of movingMean(
          xs.map(() => 0.3),
          w,
        ))
          expect(x).toBeCloseTo(0.3, 12);
      }),
    );
  });

  it('equals the plain mean everywhere once the window covers the whole series', () => {
    fc.assert(
      fc.property(series, (xs) => {
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        for (const x of movingMean(xs, 2 * xs.length + 1)) expect(x).toBeCloseTo(mean, 12);
      }),
    );
  });
});

describe('cosineCurve', () => {
  it('averages the seeds that logged a step, then smooths (hand-computed)', () => {
    const seed0 = [1, 0, -1, 0, 1].map((cosine, step) => ({ step, cosine }));
    // Seed 1 did not log step 2 (a skipped step), so step 2's mean is seed 0's alone.
    const seed1 = [
      { step: 0, cosine: 0 },
      { step: 1, cosine: 0 },
      { step: 3, cosine: 0 },
      { step: 4, cosine: 1 },
    ];
    // Per-step means 0.5, 0, -1, 0, 1; window 3.
    const got = cosineCurve([seed1, seed0], 3);
    expect(got.map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
    const want = [0.25, -1 / 6, -1 / 3, 0, 0.5];
    got.forEach((p, i) => expect(p.cosine).toBeCloseTo(want[i]!, 14));
  });

  it('picks a 25-step window, or 1/50 of a long run rounded up to odd', () => {
    expect(defaultCosineWindow(0)).toBe(25);
    expect(defaultCosineWindow(1250)).toBe(25);
    expect(defaultCosineWindow(2550)).toBe(51);
    expect(defaultCosineWindow(5000)).toBe(101);
  });

  it('spec: one line per method thinned to 400 points, a zero rule, the window in the subtitle', () => {
    const points = Array.from({ length: 1000 }, (_, step) => ({ step, cosine: 0 }));
    const spec = cosineSpec([{ method: 'uvs', points }], ['joint', 'uvs'], 21) as {
      title: { subtitle: string };
      data: { values: { step: number }[] };
      layer: { mark: { type: string }; encoding: { y: { datum?: number } } }[];
    };
    expect(spec.data.values).toHaveLength(400);
    expect(spec.data.values.at(-1)!.step).toBe(999);
    expect(spec.title.subtitle).toMatch(/^21-step centred moving mean/);
    expect(spec.layer[1]!.mark.type).toBe('rule');
    expect(spec.layer[1]!.encoding.y.datum).toBe(0);
  });
});
