import { type ClassAccuracies, classAccuracies } from './accuracy.js';
import { averagePrecision } from './ap.js';
import { auc } from './auc.js';
import { type MetricOptions, warnerOf } from './errors.js';
import { checkInputs, type Labels, oneClassMessage, type Scores } from './inputs.js';
import { eer } from './roc.js';

/** Every headline metric of one split. */
export interface MetricReport {
  readonly n: number;
  readonly nReal: number;
  readonly nFake: number;
  readonly auc: number;
  readonly ap: number;
  readonly eer: number;
  /** Accuracies at 0.5 (scores as probabilities). */
  readonly at05: ClassAccuracies;
  /** Accuracies at the given (validation-chosen) threshold, when one was given. */
  readonly atThreshold: ClassAccuracies | undefined;
}

/**
 * AUC, AP, EER and accuracies of one split in one call. A one-class split gives NaN for the metrics that need both
 * classes and one warning (not one per metric).
 */
export function evaluate(
  labels: Labels,
  scores: Scores,
  options: MetricOptions & { readonly threshold?: number } = {},
): MetricReport {
  const { labels: y, scores: s, nPos, nNeg } = checkInputs('evaluate', labels, scores);
  if (nPos === 0 || nNeg === 0) warnerOf(options)(oneClassMessage('AUC, AP, EER', nPos, nNeg));
  const quiet = { warn: () => {} };
  return {
    n: s.length,
    nReal: nNeg,
    nFake: nPos,
    auc: auc(y, s, quiet),
    ap: averagePrecision(y, s, quiet),
    eer: eer(y, s, quiet).eer,
    at05: classAccuracies(y, s, 0.5, quiet),
    atThreshold:
      options.threshold === undefined ? undefined : classAccuracies(y, s, options.threshold, quiet),
  };
}
