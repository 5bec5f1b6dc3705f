import { type MetricOptions, MetricsError, warnerOf } from './errors.js';
import { checkInputs, type Labels, oneClassMessage, type Scores } from './inputs.js';
import { sweep } from './sweep.js';

/** Accuracies at one threshold, by label: a sample is called fake when `score >= threshold`. */
export interface ClassAccuracies {
  /** Fraction of all samples classified correctly. */
  readonly acc: number;
  /** Fraction of real samples (label 0) called real: the true-negative rate. NaN (with a warning) if none. */
  readonly real: number;
  /** Fraction of fake samples (label 1) called fake: the true-positive rate. NaN (with a warning) if none. */
  readonly fake: number;
  /** Mean of `real` and `fake`. */
  readonly balanced: number;
  readonly threshold: number;
}

function checkThreshold(metric: string, threshold: number): void {
  if (Number.isNaN(threshold)) {
    throw new MetricsError('invalid-option', `${metric}: threshold is NaN`, { field: 'threshold' });
  }
}

/**
 * Accuracy of "fake when score >= threshold" (default 0.5, for scores that are probabilities). Note DeepfakeBench
 * calls fake only when score > 0.5; the two differ only for scores exactly at the threshold. Empty input -> NaN
 * with a warning.
 */
export function accuracy(labels: Labels, scores: Scores, threshold = 0.5, opts?: MetricOptions): number {
  checkThreshold('accuracy', threshold);
  const { labels: y, scores: s } = checkInputs('accuracy', labels, scores);
  if (s.length === 0) {
    warnerOf(opts)('accuracy of no samples is undefined; returning NaN');
    return Number.NaN;
  }
  let correct = 0;
  for (let i = 0; i < s.length; i++) if ((s[i]! >= threshold ? 1 : 0) === y[i]) correct++;
  return correct / s.length;
}

/**
 * Real and fake accuracies computed from each sample's own label (never from its position in the list, the
 * DeepfakeBench pitfall of assuming reals come first). A class with no samples has NaN accuracy and a warning.
 */
export function classAccuracies(
  labels: Labels,
  scores: Scores,
  threshold = 0.5,
  opts?: MetricOptions,
): ClassAccuracies {
  checkThreshold('classAccuracies', threshold);
  const { labels: y, scores: s, nPos, nNeg } = checkInputs('classAccuracies', labels, scores);
  let tp = 0;
  let tn = 0;
  for (let i = 0; i < s.length; i++) {
    const fake = s[i]! >= threshold;
    if (y[i] === 1 && fake) tp++;
    else if (y[i] === 0 && !fake) tn++;
  }
  if (nPos === 0 || nNeg === 0) warnerOf(opts)(oneClassMessage('A per-class accuracy', nPos, nNeg));
  const real = nNeg === 0 ? Number.NaN : tn / nNeg;
  const fake = nPos === 0 ? Number.NaN : tp / nPos;
  const n = nPos + nNeg;
  return { acc: n === 0 ? Number.NaN : (tp + tn) / n, real, fake, balanced: (real + fake) / 2, threshold };
}

/** Criterion for {@link chooseThreshold}. */
export type ThresholdCriterion =
  /** Maximise Youden's J = TPR − FPR (equivalently balanced accuracy): insensitive to the class ratio. */
  | 'youden'
  /** Maximise plain accuracy on the validation set: follows its class ratio. */
  | 'accuracy';

/** A threshold chosen on validation scores. */
export interface ChosenThreshold {
  /** Use as "fake when score >= threshold". */
  readonly threshold: number;
  readonly criterion: ThresholdCriterion;
  /** The criterion's value on the validation set at this threshold. */
  readonly value: number;
  readonly tpr: number;
  readonly fpr: number;
}

/**
 * Chooses the decision threshold on validation scores (never on test scores). Every split between two adjacent
 * distinct scores is a candidate, plus "everything fake"; among the best by `criterion` the highest threshold wins.
 * The threshold is placed midway between the last score called fake and the next lower distinct score, so that test
 * scores near a validation score are not decided by an exact tie.
 *
 * One class only -> NaN threshold and value, with a warning.
 */
export function chooseThreshold(
  labels: Labels,
  scores: Scores,
  options: MetricOptions & { readonly criterion?: ThresholdCriterion } = {},
): ChosenThreshold {
  const criterion = options.criterion ?? 'youden';
  const { labels: y, scores: s, nPos, nNeg } = checkInputs('chooseThreshold', labels, scores);
  if (nPos === 0 || nNeg === 0) {
    warnerOf(options)(oneClassMessage('A validation threshold', nPos, nNeg));
    return { threshold: Number.NaN, criterion, value: Number.NaN, tpr: Number.NaN, fpr: Number.NaN };
  }
  const { thresholds, tp, fp } = sweep(y, s);
  // Compare exact integers (J·n₊n₋ or the count correct): with rates, 1 − 1/3 > 2/3 in floating point and equal
  // candidates would not tie.
  const score = (k: number) =>
    criterion === 'youden' ? tp[k]! * nNeg - fp[k]! * nPos : tp[k]! + nNeg - fp[k]!;
  let best = 0;
  for (let k = 1; k < thresholds.length; k++) if (score(k) > score(best)) best = k;
  const bestValue = criterion === 'youden' ? score(best) / (nPos * nNeg) : score(best) / (nPos + nNeg);
  const hi = thresholds[best]!;
  const lo = thresholds[best + 1];
  let threshold = hi;
  if (lo !== undefined) {
    const mid = hi / 2 + lo / 2;
    if (mid > lo && mid <= hi) threshold = mid;
  }
  return { threshold, criterion, value: bestValue, tpr: tp[best]! / nPos, fpr: fp[best]! / nNeg };
}
