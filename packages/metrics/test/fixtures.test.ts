// Hand-computed fixtures. Each expected value is derived in the comment above it (or quoted from scikit-learn's
// documentation), never computed by the code under test.
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  auc,
  averagePrecision,
  chooseThreshold,
  classAccuracies,
  eer,
  evaluate,
  quantile,
  rocCurve,
} from '../src/index.js';

const quiet = { warn: () => {} };

describe('scikit-learn documentation example y=[0,0,1,1], s=[0.1,0.4,0.35,0.8]', () => {
  const y = [0, 0, 1, 1];
  const s = [0.1, 0.4, 0.35, 0.8];

  it('roc points equal sklearn.metrics.roc_curve docstring output', () => {
    // docstring: fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1], thresholds [inf, 0.8, 0.4, 0.35, 0.1]
    const r = rocCurve(y, s);
    expect(Array.from(r.fpr)).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(Array.from(r.tpr)).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(Array.from(r.thresholds)).toEqual([Number.POSITIVE_INFINITY, 0.8, 0.4, 0.35, 0.1]);
  });

  it('AUC 0.75 (roc_auc_score) and AP 0.8333 (average_precision_score docstring: 0.83)', () => {
    // pairs (pos, neg): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4 -> 3/4
    expect(auc(y, s)).toBe(0.75);
    // steps: 0.8 -> R 1/2, P 1; 0.4 -> no recall change; 0.35 -> R 1, P 2/3: AP = 1/2 + 1/2 * 2/3 = 5/6
    expect(averagePrecision(y, s)).toBeCloseTo(5 / 6, 15);
  });

  it('EER 0.5 exactly at the ROC point (0.5, 0.5)', () => {
    // FNR = 1 - tpr = [1, .5, .5, 0, 0], FPR = [0, 0, .5, .5, 1]: equal at point 2 (threshold 0.4)
    expect(eer(y, s)).toEqual({ eer: 0.5, threshold: 0.4, nearest: 0.5 });
  });
});

describe('fixture with ties: y=[0,1,0,1,1,0], s=[0.2,0.5,0.5,0.9,0.2,0.1]', () => {
  const y = [0, 1, 0, 1, 1, 0];
  const s = [0.2, 0.5, 0.5, 0.9, 0.2, 0.1];

  it('AUC = 7/9 with ties counted 1/2', () => {
    // positives {0.5, 0.9, 0.2} vs negatives {0.2, 0.5, 0.1}:
    // 0.5: 1 + 1/2 + 1 = 2.5; 0.9: 3; 0.2: 1/2 + 0 + 1 = 1.5 -> 7 of 9 pairs
    expect(auc(y, s)).toBeCloseTo(7 / 9, 15);
  });

  it('equal scores form one ROC point', () => {
    // thresholds 0.9: (0, 1/3); 0.5: (1/3, 2/3); 0.2: (2/3, 1); 0.1: (1, 1)
    const r = rocCurve(y, s);
    expect(Array.from(r.thresholds)).toEqual([Number.POSITIVE_INFINITY, 0.9, 0.5, 0.2, 0.1]);
    expect(Array.from(r.fpr)).toEqual([0, 0, 1 / 3, 2 / 3, 1]);
    expect(Array.from(r.tpr)).toEqual([0, 1 / 3, 2 / 3, 1, 1]);
  });

  it('AP = 34/45 (step sum over tied groups)', () => {
    // 0.9: R 1/3, P 1; 0.5 group: R 2/3, P 2/3; 0.2 group: R 1, P 3/5 -> 1/3 + 2/9 + 1/5 = 34/45
    expect(averagePrecision(y, s)).toBeCloseTo(34 / 45, 15);
  });

  it('EER 1/3 at threshold 0.5', () => {
    // FNR = [1, 2/3, 1/3, 0, 0], FPR = [0, 0, 1/3, 2/3, 1]: equal at point 2
    const r = eer(y, s);
    expect(r.eer).toBeCloseTo(1 / 3, 15);
    expect(r.threshold).toBe(0.5);
  });
});

describe('EER interpolation across a tied (diagonal) ROC segment', () => {
  it('y=[1,0,1,0], s=[0.9,0.5,0.5,0.1]: EER 0.25 interpolated, DeepfakeBench nearest-point gives 0', () => {
    // points (fpr, tpr): (0,0), (0,.5), (.5,1), (1,1); FNR-FPR: 1, .5, -.5, -1.
    // Crossing halfway between points 1 and 2: FPR = 0 + .5 * .5 = .25 = FNR.
    // Nearest: |FNR-FPR| is .5 at points 1 and 2; the first (point 1) has FPR 0.
    expect(eer([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1])).toEqual({ eer: 0.25, threshold: 0.5, nearest: 0 });
  });

  it('perfect separation -> EER 0; perfectly inverted -> EER 1', () => {
    expect(eer([0, 0, 1, 1], [1, 2, 3, 4]).eer).toBe(0);
    expect(eer([1, 1, 0, 0], [1, 2, 3, 4]).eer).toBe(1);
  });
});

describe('accuracies by label, not by position', () => {
  // fakes .9 (right), .4 (wrong) -> 1/2; reals .6 (wrong), .2 (right), .5 (>= .5 is fake: wrong) -> 1/3
  const y = [1, 1, 0, 0, 0];
  const s = [0.9, 0.4, 0.6, 0.2, 0.5];

  it('hand-computed at 0.5', () => {
    const c = classAccuracies(y, s);
    expect(c.fake).toBe(1 / 2);
    expect(c.real).toBe(1 / 3);
    expect(c.acc).toBe(2 / 5);
    expect(c.balanced).toBeCloseTo(5 / 12, 15);
    expect(accuracy(y, s)).toBe(2 / 5);
  });

  it('reals listed first or last give the same per-class values', () => {
    const c = classAccuracies([0, 0, 0, 1, 1], [0.6, 0.2, 0.5, 0.9, 0.4]);
    expect([c.real, c.fake]).toEqual([1 / 3, 1 / 2]);
  });

  it('at a chosen threshold 0.55: fakes 1/2, reals 2/3', () => {
    // fakes .9 right, .4 wrong; reals .6 wrong, .2 and .5 right
    const c = classAccuracies(y, s, 0.55);
    expect([c.fake, c.real]).toEqual([1 / 2, 2 / 3]);
  });
});

describe('chooseThreshold', () => {
  it('Youden: best split between 0.6 and 0.4 -> 0.5', () => {
    // s .7(1) .6(1) .4(0) .3(1) .2(0) .1(0). J at each cut: .7: 1/3, .6: 2/3, .4: 1/3, .3: 2/3, .2: 1/3, .1: 0.
    // First maximum at .6; midpoint to the next distinct score .4 is 0.5.
    const c = chooseThreshold([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.6, 0.7]);
    expect(c.threshold).toBeCloseTo(0.5, 15);
    expect(c.value).toBeCloseTo(2 / 3, 15);
    expect([c.tpr, c.fpr]).toEqual([2 / 3, 0]);
  });

  it('Youden and accuracy disagree on an imbalanced set', () => {
    // reals .1 .2 .3 .5, fakes .4 .9. Cuts: .9: J .5, acc 5/6; .5: J .25, acc 4/6; .4: J .75, acc 5/6; ...
    // Youden -> .4, threshold (.4+.3)/2 = .35; accuracy -> first 5/6 at .9, threshold (.9+.5)/2 = .7
    const y = [0, 0, 0, 0, 1, 1];
    const s = [0.1, 0.2, 0.3, 0.5, 0.4, 0.9];
    expect(chooseThreshold(y, s).threshold).toBeCloseTo(0.35, 15);
    const a = chooseThreshold(y, s, { criterion: 'accuracy' });
    expect(a.threshold).toBeCloseTo(0.7, 15);
    expect(a.value).toBeCloseTo(5 / 6, 15);
  });

  it('the chosen threshold reproduces the reported rates on the validation set', () => {
    const y = [0, 0, 0, 0, 1, 1];
    const s = [0.1, 0.2, 0.3, 0.5, 0.4, 0.9];
    const c = chooseThreshold(y, s);
    const acc = classAccuracies(y, s, c.threshold);
    expect(acc.fake).toBe(c.tpr);
    expect(1 - acc.real).toBe(c.fpr);
  });
});

describe('evaluate and quantile', () => {
  it('evaluate bundles the same numbers as the single metrics', () => {
    const y = [0, 1, 0, 1, 1, 0];
    const s = [0.2, 0.5, 0.5, 0.9, 0.2, 0.1];
    const r = evaluate(y, s, { threshold: 0.3, ...quiet });
    expect(r.auc).toBeCloseTo(7 / 9, 15);
    expect(r.ap).toBeCloseTo(34 / 45, 15);
    expect(r.eer).toBeCloseTo(1 / 3, 15);
    expect([r.n, r.nReal, r.nFake]).toEqual([6, 3, 3]);
    // at 0.5: fakes .5 .9 right, .2 wrong -> 2/3; reals .2 .1 right, .5 wrong -> 2/3
    expect([r.at05.fake, r.at05.real]).toEqual([2 / 3, 2 / 3]);
    // at 0.3: no score lies in [0.3, 0.5), so the same calls as at 0.5 -> 4 of 6 correct
    expect(r.atThreshold?.acc).toBeCloseTo(4 / 6, 15);
  });

  it('quantile matches numpy.percentile (linear): [1,2,3,4] at 25% -> 1.75, 50% -> 2.5', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([7], 0.9)).toBe(7);
  });
});
