/**
 * Min-norm point of the convex hull of the task gradients, in Gram space: w⋆ = argmin_{w ∈ Δ} wᵀ G w
 * (Δ the probability simplex). Three solvers: the K = 2 closed form, an exact active-set solve for any K, and
 * Frank–Wolfe (the algorithm of Sener & Koltun 2018 and torchjd) for reproducing those implementations.
 */
import { minNormOnSimplex } from '@cs-dfd/gramian/linalg';

export { minNormKktResidual } from '@cs-dfd/gramian/linalg';

/** A simplex weight vector with what the solver knows about it. */
export interface MinNormSolution {
  /** w on the simplex (w ≥ 0, Σ w = 1). */
  weights: Float64Array;
  /** Solver iterations (0 for the closed form; Frank–Wolfe steps; 1 for the active-set solve). */
  iterations: number;
}

/**
 * K = 2: the weight t on task 0 (w = [t, 1 - t]). Endpoints are exact: t = 1 when <g0, g1> ≥ ||g0||² (g0 is
 * itself the min-norm point), t = 0 when <g0, g1> ≥ ||g1||²; equal gradients (both tests true) give t = 1/2,
 * the only choice that does not depend on the task order. Otherwise
 * t = (G11 - G01) / ((G00 - G01) + (G11 - G01)), a quotient of two positive numbers, so no cancellation.
 */
export function minNormPair(g00: number, g01: number, g11: number): number {
  const firstIsMin = g01 >= g00;
  const secondIsMin = g01 >= g11;
  if (firstIsMin && secondIsMin) return 0.5;
  if (firstIsMin) return 1;
  if (secondIsMin) return 0;
  const a = g11 - g01;
  return a / (g00 - g01 + a);
}

/** The exact solve for any K: `minNormOnSimplex` of `@cs-dfd/gramian/linalg` (NNLS reduction, polished on its support). */
export function minNormActiveSet(G: Float64Array, K: number): MinNormSolution {
  return { weights: minNormOnSimplex(G, K), iterations: 1 };
}

/**
 * Frank–Wolfe from the uniform point with exact line search, stopping when the step γ falls below `tolerance`
 * or after `maxIterations` steps (torchjd: tolerance 1e-3, 100 steps). Converges as O(1/t), so it is an
 * approximation; use the active-set solve when the KKT conditions must hold tightly.
 */
export function minNormFrankWolfe(
  G: Float64Array,
  K: number,
  tolerance: number,
  maxIterations: number,
): MinNormSolution {
  const w = new Float64Array(K).fill(1 / K);
  const Gw = new Float64Array(K);
  let iterations = 0;
  for (; iterations < maxIterations; ) {
    for (let i = 0; i < K; i++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += G[i * K + j]! * w[j]!;
      Gw[i] = s;
    }
    let t = 0;
    for (let i = 1; i < K; i++) if (Gw[i]! < Gw[t]!) t = i;
    const a = Gw[t]!; // <g_w, g_t>
    let b = 0; // ||g_w||²
    for (let i = 0; i < K; i++) b += w[i]! * Gw[i]!;
    const c = G[t * K + t]!; // ||g_t||²
    const gamma = c <= a ? 1 : b <= a ? 0 : (b - a) / (b + c - 2 * a);
    for (let i = 0; i < K; i++) w[i] = (1 - gamma) * w[i]!;
    w[t] = w[t]! + gamma;
    iterations++;
    if (gamma < tolerance) break;
  }
  return { weights: w, iterations };
}
