// Cases that pin what the fixtures left open (issue #20's mutation survivors): each expectation below fails on a
// specific plausible bug (a comparison flipped, a class forgotten, a seed ignored, a quantile misplaced).
import { Rng } from '@cs-dfd/rng';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  auc,
  averagePrecision,
  bootstrapCI,
  chooseThreshold,
  classAccuracies,
  eer,
  quantile,
  rocCurve,
} from '../src/index.js';

function collect(): { warn: (m: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (m) => messages.push(m), messages };
}

describe('accuracy and threshold', () => {
  it('classifies by score >= threshold, at 0.5 and at other thresholds', () => {
    // all fake would give 1/4, all real 3/4, "score > threshold" 3/4 (the 0.5 fake)
    expect(accuracy([0, 0, 0, 1], [0.1, 0.2, 0.49, 0.5])).toBe(1);
    expect(accuracy([0, 0, 1, 1], [0.1, 0.3, 0.3, 0.9], 0.3)).toBe(0.75);
    expect(accuracy([0, 1, 1], [-2, -1, 3], -1)).toBe(1);
    expect(accuracy([0, 1], [0.6, 0.7], 0.65)).toBe(1);
  });

  it('rejects a NaN threshold naming it', () => {
    expect(() => accuracy([0], [0.1], Number.NaN)).toThrow('accuracy: threshold is NaN');
    expect(() => classAccuracies([0], [0.1], Number.NaN)).toThrow('classAccuracies: threshold is NaN');
  });

  it('classAccuracies counts by label: 2 of 3 reals and 1 of 2 fakes', () => {
    const r = classAccuracies([0, 1, 0, 1, 0], [0.1, 0.8, 0.7, 0.2, 0.3]);
    expect(r).toEqual({
      acc: 3 / 5,
      real: 2 / 3,
      fake: 1 / 2,
      balanced: (2 / 3 + 1 / 2) / 2,
      threshold: 0.5,
    });
    const w = collect();
    expect(classAccuracies([0, 0], [0.2, 0.7], 0.5, w).fake).toBeNaN();
    expect(classAccuracies([0, 0], [0.2, 0.7], 0.5, w).real).toBe(0.5);
    expect(w.messages).toHaveLength(2);
    expect(classAccuracies([], [], 0.5, { warn: () => {} }).acc).toBeNaN();
  });

  it('chooseThreshold: the best split, midway between scores, highest among ties; both criteria', () => {
    // reals 0.1 0.2 0.6, fakes 0.4 0.8 0.9: Youden best at "fake >= 0.8" (J = 2/3) and at ">= 0.4" (J = 2/3):
    // the highest threshold wins, midway between 0.8 and 0.6
    const y = [0, 0, 0, 1, 1, 1];
    const s = [0.1, 0.2, 0.6, 0.4, 0.8, 0.9];
    const j = chooseThreshold(y, s);
    expect(j.threshold).toBeCloseTo(0.7, 12);
    expect(j.value).toBeCloseTo(2 / 3, 12);
    expect(j.tpr).toBeCloseTo(2 / 3, 12);
    expect(j.fpr).toBe(0);
    const a = chooseThreshold(y, s, { criterion: 'accuracy' });
    expect(a.criterion).toBe('accuracy');
    expect(a.value).toBeCloseTo(5 / 6, 12);
    expect(a.threshold).toBeCloseTo(0.7, 12);
    // accuracy follows the class ratio: one fake below two of four reals; calling only the top score fake ties
    // with calling the fake and the two above it (3/5 each), and the highest threshold wins (tpr 0)
    const b = chooseThreshold([0, 0, 0, 0, 1], [0.5, 0.6, 0.7, 0.8, 0.65], { criterion: 'accuracy' });
    expect(b.value).toBeCloseTo(3 / 5, 12);
    expect(b.tpr).toBe(0);
    expect(b.fpr).toBe(1 / 4);
    expect(b.threshold).toBeCloseTo(0.75, 12);
    // Youden picks the top split here (J = 1 - 0), not everything fake (J = 1 - 1)
    const c = chooseThreshold([1, 0, 1], [0.1, 0.5, 0.9]);
    expect(c.threshold).toBeCloseTo(0.7, 12);
  });
});

describe('one-class inputs on both sides', () => {
  const fakesOnly: [number[], number[]] = [
    [1, 1, 1],
    [0.2, 0.5, 0.9],
  ];
  const realsOnly: [number[], number[]] = [
    [0, 0, 0],
    [0.2, 0.5, 0.9],
  ];
  for (const [name, [y, s]] of [
    ['only fakes', fakesOnly],
    ['only reals', realsOnly],
  ] as const) {
    it(`${name}: AUC, AP, EER, threshold are NaN with one warning each naming the counts`, () => {
      const runs: Array<(o: { warn: (m: string) => void }) => number> = [
        (o) => auc(y, s, o),
        (o) => averagePrecision(y, s, o),
        (o) => eer(y, s, o).eer,
        (o) => eer(y, s, o).threshold,
        (o) => eer(y, s, o).nearest,
        (o) => chooseThreshold(y, s, o).threshold,
        (o) => chooseThreshold(y, s, o).value,
      ];
      for (const run of runs) {
        const w = collect();
        expect(run(w)).toBeNaN();
        expect(w.messages).toHaveLength(1);
        const nPos = y.filter((v) => v === 1).length;
        expect(w.messages[0]).toContain(`with ${nPos} fake and ${y.length - nPos} real samples`);
      }
    });
  }

  it('rocCurve: the missing class has NaN rates (its first point too), the other is a real curve; one warning', () => {
    const w = collect();
    const f = rocCurve(...fakesOnly, w);
    expect(w.messages).toHaveLength(1);
    expect(w.messages[0]).toMatch(/^The ROC curve is undefined with 3 fake and 0 real samples/);
    expect(Array.from(f.tpr)).toEqual([0, 1 / 3, 2 / 3, 1]);
    for (const v of f.fpr) expect(v).toBeNaN();
    const r = rocCurve(...realsOnly, w);
    expect(w.messages).toHaveLength(2);
    expect(Array.from(r.fpr)).toEqual([0, 1 / 3, 2 / 3, 1]);
    for (const v of r.tpr) expect(v).toBeNaN();
    const both = rocCurve([0, 1], [0.2, 0.9], w);
    expect(w.messages).toHaveLength(2);
    expect(both.tpr[0]).toBe(0);
    expect(both.fpr[0]).toBe(0);
    expect(both.thresholds[0]).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('bootstrapCI', () => {
  const y = [0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 1];
  const s = [0.1, 0.4, 0.35, 0.8, 0.7, 0.9, 0.3, 0.2, 0.65, 0.55, 0.6, 0.95];
  const mean = (_: Uint8Array, v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;

  it('takes the (1 - level)/2 and (1 + level)/2 quantiles of the resampled values', () => {
    // a metric that returns 0, 1, 2, ... per call: the resampled values are exactly 0..100
    let calls = 0;
    const counter = () => calls++;
    const ci = bootstrapCI(y, s, counter, { resamples: 101, level: 0.9 });
    expect(ci.lower).toBeCloseTo(5, 12);
    expect(ci.upper).toBeCloseTo(95, 12);
    expect(ci.estimate).toBe(101);
    expect(ci.used).toBe(101);
    expect(ci.level).toBe(0.9);
    calls = 0;
    const def = bootstrapCI(y, s, counter, { resamples: 201 });
    expect(def.lower).toBeCloseTo(5, 12);
    expect(def.upper).toBeCloseTo(195, 12);
    expect(def.level).toBe(0.95);
    calls = 0;
    expect(bootstrapCI(y, s, counter).used).toBe(1000);
  });

  it('the seed matters, the same seed repeats, and a passed generator is advanced', () => {
    const a = bootstrapCI(y, s, mean, { resamples: 50, rng: 1 });
    const b = bootstrapCI(y, s, mean, { resamples: 50, rng: 2 });
    expect([a.lower, a.upper]).not.toEqual([b.lower, b.upper]);
    expect(bootstrapCI(y, s, mean, { resamples: 50, rng: 1 })).toEqual(a);
    expect(bootstrapCI(y, s, mean, { resamples: 50 })).toEqual(
      bootstrapCI(y, s, mean, { resamples: 50, rng: 0 }),
    );
    const rng = new Rng(1);
    expect(bootstrapCI(y, s, mean, { resamples: 50, rng })).toEqual(a);
    expect(rng.state()).not.toEqual(new Rng(1).state());
  });

  it('stratified (default) keeps both class counts in every resample; unstratified does not', () => {
    const counts = new Set<string>();
    const record = (ry: Uint8Array) => {
      const fakes = ry.reduce((a, v) => a + v, 0);
      counts.add(`${fakes}/${ry.length - fakes}`);
      return 0;
    };
    bootstrapCI(y, s, record, { resamples: 200 });
    expect([...counts]).toEqual(['6/6']);
    counts.clear();
    bootstrapCI(y, s, record, { resamples: 200, stratified: false });
    expect(counts.size).toBeGreaterThan(3);
  });

  it('resamples with replacement from the sample itself: values stay in its range, and repeats occur', () => {
    let repeats = 0;
    const check = (ry: Uint8Array, rs: Float64Array) => {
      for (let i = 0; i < rs.length; i++) {
        const k = s.indexOf(rs[i]!);
        expect(k).toBeGreaterThanOrEqual(0);
        expect(ry[i]).toBe(y[k]);
      }
      if (new Set(rs).size < rs.length) repeats++;
      return 0;
    };
    bootstrapCI(y, s, check, { resamples: 30 });
    expect(repeats).toBeGreaterThan(25);
  });

  it('counts skipped resamples and warns once with the count', () => {
    const w = collect();
    let calls = 0;
    const ci = bootstrapCI(y, s, () => (calls++ % 3 === 0 ? Number.NaN : 1), { resamples: 30, ...w });
    expect(ci.skipped).toBe(10);
    expect(ci.used).toBe(20);
    expect(w.messages).toEqual(['bootstrapCI: 10 of 30 resamples gave a non-finite metric and were skipped']);
    const none = collect();
    bootstrapCI(y, s, () => 1, { resamples: 5, ...none });
    expect(none.messages).toEqual([]);
  });

  it('validates resamples and level with messages naming them', () => {
    expect(() => bootstrapCI(y, s, mean, { resamples: 0 })).toThrow(
      'bootstrapCI: option resamples must be a finite number in [1, 10000000], got 0',
    );
    expect(() => bootstrapCI(y, s, mean, { level: 1.5 })).toThrow(
      'bootstrapCI: option level must be a finite number in [0, 1], got 1.5',
    );
  });

  it('quantile interpolates linearly between order statistics (numpy default)', () => {
    expect(quantile([1, 2, 4, 8], 0.5)).toBe(3);
    expect(quantile([1, 2, 4, 8], 0)).toBe(1);
    expect(quantile([1, 2, 4, 8], 1)).toBe(8);
    expect(quantile([1, 2, 4, 8], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile([5], 0.3)).toBe(5);
    expect(quantile([], 0.3)).toBeNaN();
  });
});
