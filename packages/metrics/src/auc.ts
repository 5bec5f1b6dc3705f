import { type MetricOptions, warnerOf } from './errors.js';
import { checkInputs, type Labels, oneClassMessage, type Scores } from './inputs.js';

/**
 * Area under the ROC curve as the Mann–Whitney statistic: the probability that a random fake scores above a random
 * real, ties counted ½. Computed from mid-ranks after one sort, O(n log n):
 * AUC = (R₊ − n₊(n₊+1)/2) / (n₊ n₋), R₊ the sum of the fakes' mid-ranks. This equals the trapezoidal area under
 * {@link rocCurve} (equal scores are one ROC point, so a tie contributes a diagonal segment, i.e. ½).
 *
 * One class only (or no samples) -> NaN and a warning through `opts.warn`.
 */
export function auc(labels: Labels, scores: Scores, opts?: MetricOptions): number {
  const { labels: y, scores: s, nPos, nNeg } = checkInputs('auc', labels, scores);
  if (nPos === 0 || nNeg === 0) {
    warnerOf(opts)(oneClassMessage('AUC', nPos, nNeg));
    return Number.NaN;
  }
  return (rankSumOfPositives(y, s) - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Sum of the positives' 1-based mid-ranks in ascending score order (ties share their mean rank). */
function rankSumOfPositives(y: Uint8Array, s: Float64Array): number {
  const n = s.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[a]! - s[b]!);
  let sum = 0;
  let k = 0;
  while (k < n) {
    let end = k + 1;
    while (end < n && s[order[end]!] === s[order[k]!]) end++;
    // ranks k+1..end share the mean rank (k+1+end)/2
    const midRank = (k + 1 + end) / 2;
    for (let j = k; j < end; j++) if (y[order[j]!] === 1) sum += midRank;
    k = end;
  }
  return sum;
}
