/**
 * Cumulative true/false positives at each distinct score, from the highest score down: the operating points of a
 * "fake when score >= t" classifier for every threshold t worth distinguishing. Equal scores form one step (one ROC
 * point), so ties never depend on input order.
 */
export interface Sweep {
  /** Distinct scores, descending. */
  readonly thresholds: Float64Array;
  /** tp[k]: positives with score >= thresholds[k]. */
  readonly tp: Float64Array;
  /** fp[k]: negatives with score >= thresholds[k]. */
  readonly fp: Float64Array;
}

/** O(n log n): one sort, one pass. */
export function sweep(labels: Uint8Array, scores: Float64Array): Sweep {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const th: number[] = [];
  const tp: number[] = [];
  const fp: number[] = [];
  let cTp = 0;
  let cFp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (labels[i] === 1) cTp++;
    else cFp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      th.push(scores[i]!);
      tp.push(cTp);
      fp.push(cFp);
    }
  }
  return { thresholds: Float64Array.from(th), tp: Float64Array.from(tp), fp: Float64Array.from(fp) };
}
