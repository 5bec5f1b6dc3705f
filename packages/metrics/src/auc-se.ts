import { MetricsError } from './errors.js';

/**
 * Hanley–McNeil (Radiology 1982, eq. 1–3) standard error of an AUC from the AUC itself and the class counts,
 * assuming independent samples (frames of one video are correlated, so on frame-level AUCs this is a lower bound):
 * SE² = [A(1−A) + (n₊−1)(Q₁−A²) + (n₋−1)(Q₂−A²)] / (n₊ n₋), Q₁ = A/(2−A), Q₂ = 2A²/(1+A), with n₊ fakes and n₋
 * reals. It sizes test sets: a benchmark whose SE is above the differences it reports cannot rank methods.
 *
 * Throws {@link MetricsError} (`invalid-option`) for an AUC outside [0, 1] or a count that is not a positive integer.
 */
export function hanleyMcNeilSE(aucValue: number, nFake: number, nReal: number): number {
  if (!(aucValue >= 0 && aucValue <= 1)) {
    throw new MetricsError('invalid-option', `hanleyMcNeilSE: auc must be in [0, 1] (got ${aucValue})`, {
      field: 'auc',
    });
  }
  for (const [field, n] of [
    ['nFake', nFake],
    ['nReal', nReal],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) {
      throw new MetricsError(
        'invalid-option',
        `hanleyMcNeilSE: ${field} must be a positive integer (got ${n})`,
        {
          field,
        },
      );
    }
  }
  const a = aucValue;
  const q1 = a / (2 - a);
  const q2 = (2 * a * a) / (1 + a);
  const v = (a * (1 - a) + (nFake - 1) * (q1 - a * a) + (nReal - 1) * (q2 - a * a)) / (nFake * nReal);
  return Math.sqrt(Math.max(0, v));
}
