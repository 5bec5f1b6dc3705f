import { type MetricOptions, warnerOf } from './errors.js';
import { checkInputs, type Labels, oneClassMessage, type Scores } from './inputs.js';
import { sweep } from './sweep.js';

/** ROC operating points of "fake when score >= threshold", for plotting and for {@link eer}. */
export interface RocCurve {
  /** False-positive rate (reals called fake) per point, non-decreasing from 0 to 1. */
  readonly fpr: Float64Array;
  /** True-positive rate (fakes called fake) per point, non-decreasing from 0 to 1. */
  readonly tpr: Float64Array;
  /** The threshold of each point; the first is +Infinity (nothing called fake), then the distinct scores, descending. */
  readonly thresholds: Float64Array;
}

/**
 * One point per distinct score plus the origin, like scikit-learn's `roc_curve(drop_intermediate=False)`. Equal
 * scores make one point, so the curve does not depend on the order of tied samples.
 *
 * One class only -> the rates of the missing class are NaN, with a warning.
 */
export function rocCurve(labels: Labels, scores: Scores, opts?: MetricOptions): RocCurve {
  const { labels: y, scores: s, nPos, nNeg } = checkInputs('rocCurve', labels, scores);
  if (nPos === 0 || nNeg === 0) warnerOf(opts)(oneClassMessage('The ROC curve', nPos, nNeg));
  const sw = sweep(y, s);
  const m = sw.thresholds.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const thresholds = new Float64Array(m);
  thresholds[0] = Number.POSITIVE_INFINITY;
  fpr[0] = nNeg === 0 ? Number.NaN : 0;
  tpr[0] = nPos === 0 ? Number.NaN : 0;
  for (let k = 1; k < m; k++) {
    thresholds[k] = sw.thresholds[k - 1]!;
    fpr[k] = sw.fp[k - 1]! / nNeg;
    tpr[k] = sw.tp[k - 1]! / nPos;
  }
  return { fpr, tpr, thresholds };
}

/** Equal error rate and where it was found. */
export interface EerResult {
  /** The rate at which FNR = FPR, linearly interpolated between the two ROC points that bracket the crossing. */
  readonly eer: number;
  /**
   * Threshold of the first ROC point at or past the crossing (FNR <= FPR there): "fake when score >= threshold"
   * has FNR <= eer <= FPR.
   */
  readonly threshold: number;
  /**
   * DeepfakeBench's convention, for comparison with its tables: FPR at the ROC point minimising |FNR − FPR|, no
   * interpolation (`fpr[nanargmin(abs(fnr - fpr))]`; the first such point on ties).
   */
  readonly nearest: number;
}

/**
 * Equal error rate: where FNR (= 1 − TPR) and FPR cross along the ROC curve. FNR − FPR falls monotonically from
 * 1 to −1 along the points; between the last point above 0 and the first at or below 0 both rates are
 * interpolated linearly (the segment between two operating points is what randomising between them achieves), and
 * the EER is their common value there.
 *
 * One class only -> NaN fields and a warning.
 */
export function eer(labels: Labels, scores: Scores, opts?: MetricOptions): EerResult {
  const { labels: y, scores: s, nPos, nNeg } = checkInputs('eer', labels, scores);
  if (nPos === 0 || nNeg === 0) {
    warnerOf(opts)(oneClassMessage('EER', nPos, nNeg));
    return { eer: Number.NaN, threshold: Number.NaN, nearest: Number.NaN };
  }
  // Work in counts: (FNR − FPR)·n₊n₋ = (n₊ − tp)·n₋ − fp·n₊ is an exact integer, so an exact crossing is found
  // exactly (with rates, 1 − 2/3 > 1/3 in floating point and the crossing would slip one point).
  const sw = sweep(y, s);
  const m = sw.thresholds.length + 1;
  const fpAt = (k: number) => (k === 0 ? 0 : sw.fp[k - 1]!);
  const gapAt = (k: number) => (nPos - (k === 0 ? 0 : sw.tp[k - 1]!)) * nNeg - fpAt(k) * nPos;
  let nearest = 0;
  for (let k = 1; k < m; k++) if (Math.abs(gapAt(k)) < Math.abs(gapAt(nearest))) nearest = k;
  // The gap is n₊n₋ > 0 at k = 0 and −n₊n₋ < 0 at the last point, so a crossing index k >= 1 exists.
  let k = 1;
  while (gapAt(k) > 0) k++;
  const d0 = gapAt(k - 1);
  const d1 = gapAt(k);
  const t = d0 / (d0 - d1);
  const rate = (fpAt(k - 1) + t * (fpAt(k) - fpAt(k - 1))) / nNeg;
  return { eer: rate, threshold: sw.thresholds[k - 1]!, nearest: fpAt(nearest) / nNeg };
}
