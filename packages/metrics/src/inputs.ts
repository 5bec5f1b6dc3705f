import { MetricsError } from './errors.js';

/**
 * Labels: 0 = real (negative), 1 = fake (positive); booleans are accepted (`true` = fake). Scores: higher means
 * "more likely fake", any finite real (probabilities, logits, distances with the sign flipped).
 */
export type Labels = ArrayLike<number> | ArrayLike<boolean>;
export type Scores = ArrayLike<number>;

/** Validated inputs: labels as 0/1 bytes, scores as float64, class counts. */
export interface CheckedInputs {
  readonly labels: Uint8Array;
  readonly scores: Float64Array;
  readonly nPos: number;
  readonly nNeg: number;
}

/** Validates `labels` and `scores` and copies them into typed arrays. Throws {@link MetricsError}. */
export function checkInputs(metric: string, labels: Labels, scores: Scores): CheckedInputs {
  if (labels.length !== scores.length) {
    throw new MetricsError(
      'length-mismatch',
      `${metric}: ${labels.length} labels but ${scores.length} scores`,
      { field: 'scores' },
    );
  }
  const n = labels.length;
  const y = new Uint8Array(n);
  const s = new Float64Array(n);
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    const l = labels[i] as number | boolean;
    if (l === 1 || l === true) {
      y[i] = 1;
      nPos++;
    } else if (l !== 0 && l !== false) {
      throw new MetricsError(
        'invalid-label',
        `${metric}: label ${i} is ${String(l)}; labels are 0 (real) or 1 (fake)`,
        { index: i, field: 'labels' },
      );
    }
    const v = scores[i]!;
    if (!Number.isFinite(v)) {
      throw new MetricsError('non-finite-score', `${metric}: score ${i} is ${v}`, {
        index: i,
        field: 'scores',
      });
    }
    s[i] = v;
  }
  return { labels: y, scores: s, nPos, nNeg: n - nPos };
}

/** Message for the one-class case, naming the metric and the counts. */
export function oneClassMessage(metric: string, nPos: number, nNeg: number): string {
  return `${metric} is undefined with ${nPos} fake and ${nNeg} real samples (needs both classes); returning NaN`;
}

/** Throws `invalid-option` unless `value` is a finite number in [min, max]. */
export function checkRange(metric: string, option: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new MetricsError(
      'invalid-option',
      `${metric}: option ${option} must be a finite number in [${min}, ${max}], got ${value}`,
      { field: option },
    );
  }
}
