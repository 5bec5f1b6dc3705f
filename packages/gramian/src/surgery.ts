/**
 * The loop shared by PCGrad-style "gradient surgery" methods (PCGrad, GradVac), in Gram space: each task's
 * gradient g_i' starts as g_i and is corrected against the other tasks' original gradients one at a time, in a
 * fresh random order per task; the update is Σ_i g_i'. Every g_i' is kept as coefficients c over the original
 * gradients (g_i' = Σ_k c_k g_k), so <g_i', g_j> = (G c)_j and a correction along g_j only changes c_j.
 */

/**
 * One correction step: may change `c` (the coefficients of the current g_i') to correct it against task j
 * (j ≠ i) and returns whether it did.
 */
export type Correction = (c: Float64Array, i: number, j: number) => boolean;

/** What {@link correctInRandomOrder} returns. */
export interface SequentialCorrection {
  /** w = Σ_i c^(i): the update Σ_i g_i' as weights over the original gradients (before any reduction). */
  weights: Float64Array;
  /** How many `correct` calls returned true. */
  corrections: number;
}

/**
 * Runs the surgery loop for K tasks: for i = 0..K-1, `order(K)` gives the order over the tasks (i itself is
 * skipped), and `correct` is applied for each other task in turn.
 */
export function correctInRandomOrder(
  K: number,
  order: (K: number) => readonly number[],
  correct: Correction,
): SequentialCorrection {
  const weights = new Float64Array(K);
  const c = new Float64Array(K);
  let corrections = 0;
  for (let i = 0; i < K; i++) {
    const js = order(K);
    c.fill(0);
    c[i] = 1;
    for (const j of js) if (j !== i && correct(c, i, j)) corrections++;
    for (let k = 0; k < K; k++) weights[k] = weights[k]! + c[k]!;
  }
  return { weights, corrections };
}
