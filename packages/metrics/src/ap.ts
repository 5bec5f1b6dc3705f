import { type MetricOptions, warnerOf } from './errors.js';
import { checkInputs, type Labels, oneClassMessage, type Scores } from './inputs.js';
import { sweep } from './sweep.js';

/**
 * Average precision as the step sum over distinct thresholds, from the highest score down:
 * AP = Σₖ (Rₖ − Rₖ₋₁) Pₖ with R₀ = 0, Rₖ and Pₖ the recall and precision of "fake when score >= tₖ". This is
 * scikit-learn's `average_precision_score` definition (no trapezoids, no 11-point interpolation); tied scores form
 * one step, so the result does not depend on the order of ties.
 *
 * One class only -> NaN and a warning (scikit-learn warns and returns 0 or 1 there, which reads like a result).
 */
export function averagePrecision(labels: Labels, scores: Scores, opts?: MetricOptions): number {
  const { labels: y, scores: s, nPos, nNeg } = checkInputs('averagePrecision', labels, scores);
  if (nPos === 0 || nNeg === 0) {
    warnerOf(opts)(oneClassMessage('AP', nPos, nNeg));
    return Number.NaN;
  }
  const { tp, fp } = sweep(y, s);
  let ap = 0;
  let prevTp = 0;
  for (let k = 0; k < tp.length; k++) {
    const tpk = tp[k]!;
    if (tpk !== prevTp) ap += ((tpk - prevTp) / nPos) * (tpk / (tpk + fp[k]!));
    prevTp = tpk;
  }
  return ap;
}
