import { describe, expect, it } from 'vitest';
import {
  accuracy,
  auc,
  averagePrecision,
  bootstrapCI,
  chooseThreshold,
  classAccuracies,
  eer,
  evaluate,
  MetricsError,
  rocCurve,
  videoScores,
} from '../src/index.js';

function collect(): { warn: (m: string) => void; messages: string[] } {
  const messages: string[] = [];
  return { warn: (m) => messages.push(m), messages };
}

describe('one class only -> NaN and exactly one warning, never a throw', () => {
  const cases: [string, (o: { warn: (m: string) => void }) => number][] = [
    ['auc', (o) => auc([1, 1], [0.2, 0.3], o)],
    ['averagePrecision', (o) => averagePrecision([0, 0], [0.2, 0.3], o)],
    ['eer', (o) => eer([1, 1], [0.2, 0.3], o).eer],
    ['chooseThreshold', (o) => chooseThreshold([0, 0], [0.2, 0.3], o).threshold],
    ['classAccuracies.real', (o) => classAccuracies([1, 1], [0.2, 0.7], 0.5, o).real],
    ['evaluate.auc', (o) => evaluate([0], [0.2], o).auc],
    ['auc of nothing', (o) => auc([], [], o)],
    ['accuracy of nothing', (o) => accuracy([], [], 0.5, o)],
  ];
  for (const [name, run] of cases) {
    it(name, () => {
      const w = collect();
      expect(run(w)).toBeNaN();
      expect(w.messages).toHaveLength(1);
    });
  }

  it('the warning names the metric and the class counts', () => {
    const w = collect();
    auc([1, 1, 1], [1, 2, 3], w);
    expect(w.messages[0]).toMatch(/AUC.*3 fake and 0 real/);
  });

  it('classAccuracies keeps the defined class and accuracy', () => {
    const c = classAccuracies([1, 1], [0.2, 0.7], 0.5, { warn: () => {} });
    expect([c.fake, c.acc]).toEqual([0.5, 0.5]);
  });

  it('rocCurve marks the missing class NaN', () => {
    const r = rocCurve([1, 1], [0.2, 0.3], { warn: () => {} });
    expect(Array.from(r.tpr)).toEqual([0, 0.5, 1]);
    expect(r.fpr.every(Number.isNaN)).toBe(true);
  });
});

describe('malformed input -> MetricsError naming the field and index', () => {
  function error(run: () => unknown): MetricsError {
    try {
      run();
    } catch (e) {
      if (e instanceof MetricsError) return e;
      throw e;
    }
    throw new Error('expected a MetricsError');
  }

  it('length mismatch', () => {
    const e = error(() => auc([0, 1], [0.5]));
    expect([e.code, e.field]).toEqual(['length-mismatch', 'scores']);
  });

  it('a label other than 0/1', () => {
    const e = error(() => auc([0, 1, 2], [0.1, 0.2, 0.3]));
    expect([e.code, e.index]).toEqual(['invalid-label', 2]);
    expect(e.message).toContain('label 2 is 2');
    expect(error(() => auc([0, Number.NaN], [1, 2])).code).toBe('invalid-label');
  });

  it('booleans are accepted as labels', () => {
    expect(auc([false, true], [0.1, 0.9])).toBe(1);
  });

  it('a NaN or infinite score', () => {
    const e = error(() => averagePrecision([0, 1], [0.1, Number.NaN]));
    expect([e.code, e.index]).toEqual(['non-finite-score', 1]);
    expect(error(() => eer([0, 1], [Number.POSITIVE_INFINITY, 0])).index).toBe(0);
  });

  it('a NaN threshold', () => {
    expect(error(() => accuracy([0, 1], [0.1, 0.9], Number.NaN)).field).toBe('threshold');
  });

  it('frames of one video id with different labels (ids merged across real and fake)', () => {
    const e = error(() => videoScores(['000', '000'], [0, 1], [0.1, 0.9]));
    expect([e.code, e.index]).toEqual(['label-conflict', 1]);
    expect(e.message).toContain('"000"');
  });

  it('bootstrap options out of range', () => {
    expect(error(() => bootstrapCI([0, 1], [0, 1], () => 0, { level: 1.5 })).field).toBe('level');
    expect(error(() => bootstrapCI([0, 1], [0, 1], () => 0, { resamples: 0 })).field).toBe('resamples');
  });
});
