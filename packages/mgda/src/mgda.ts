import {
  checkChoice,
  checkInteger,
  checkOption,
  type Reduction,
  validateGram,
  type Weighting,
  type WeightingResult,
} from '@cs-dfd/gramian';
import {
  type MinNormSolution,
  minNormActiveSet,
  minNormFrankWolfe,
  minNormKktResidual,
  minNormPair,
} from './min-norm.js';

/** Options of {@link mgda}. */
export interface MgdaOptions {
  /**
   * `'exact'` (default): the K = 2 closed form, an exact active-set solve for K > 2.
   * `'frank-wolfe'`: the iterative solver of the MGDA paper and torchjd, for reproducing them.
   */
  solver?: 'exact' | 'frank-wolfe';
  /**
   * Output scale. `'mean'` (default, torchjd and the MGDA paper): w on the simplex, Σ w = 1, so d is on the
   * scale of the mean loss's gradient. `'sum'`: K times that, on the scale of the summed loss's gradient.
   */
  reduction?: Reduction;
  /** Frank–Wolfe only: stop once the step size falls below this (default 1e-3, torchjd's `epsilon`). */
  tolerance?: number;
  /** Frank–Wolfe only: iteration cap (default 100, torchjd's `max_iters`). */
  maxIterations?: number;
}

/**
 * Diagnostics of {@link mgda}'s `solve`:
 * - `minNormSquared` — ||Σ w_i g_i||² for the simplex weights (0 at a Pareto-stationary point);
 * - `kktResidual` — max_i max(−r_i, |w_i r_i|)/max_i G_ii with r = Gw − (wᵀGw)1 (0 at the exact optimum);
 * - `iterations` — 0 for the closed form, 1 for the active-set solve, the step count for Frank–Wolfe;
 * - `activeTasks` — how many tasks have w_i > 0.
 */
export type MgdaInfo = 'minNormSquared' | 'kktResidual' | 'iterations' | 'activeTasks';

/** A {@link Weighting} whose `solve` (weights plus {@link MgdaInfo} diagnostics) is always present. */
export type MgdaWeighting = Weighting & { solve(G: Float64Array, K: number): WeightingResult };

/**
 * MGDA (Désidéri 2012; Sener & Koltun, NeurIPS 2018): the min-norm point of the convex hull of the task
 * gradients, w⋆ = argmin_{w ∈ Δ} wᵀGw. When d = Σ w⋆_i g_i ≠ 0 it is a common descent direction:
 * <g_i, d> ≥ ||d||² > 0 for every task; d = 0 exactly when the point is Pareto-stationary.
 *
 * Scale: w is invariant under G → sG (s > 0), so d scales with the gradients. When several w give the same
 * minimum (rank-deficient G, e.g. identical gradients) d is still unique but w is one of the minimisers
 * (all-zero G and, for K = 2, identical gradients give the uniform w).
 */
export function mgda(options: MgdaOptions = {}): MgdaWeighting {
  const solver = options.solver ?? 'exact';
  checkChoice('mgda', 'solver', solver, ['exact', 'frank-wolfe']);
  const reduction = options.reduction ?? 'mean';
  checkChoice('mgda', 'reduction', reduction, ['mean', 'sum']);
  const tolerance = options.tolerance ?? 1e-3;
  checkOption('mgda', 'tolerance', tolerance, 0, 1);
  const maxIterations = options.maxIterations ?? 100;
  checkInteger('mgda', 'maxIterations', maxIterations, 1, 1e7);

  const simplexWeights = (G: Float64Array, K: number): MinNormSolution => {
    validateGram(G, K);
    if (K === 1) return { weights: Float64Array.of(1), iterations: 0 };
    // A zero gradient makes d = 0 optimal; putting the weight exactly there (spread over all zero gradients, so
    // the task order does not matter) gives d = 0 without the rounding of a cancelling combination.
    const zero = Array.from({ length: K }, (_, i) => G[i * K + i] === 0);
    const zeros = zero.filter(Boolean).length;
    if (zeros > 0) return { weights: Float64Array.from(zero, (z) => (z ? 1 / zeros : 0)), iterations: 0 };
    if (solver === 'frank-wolfe') return minNormFrankWolfe(G, K, tolerance, maxIterations);
    if (K === 2) {
      const t = minNormPair(G[0]!, G[1]!, G[3]!);
      return { weights: Float64Array.of(t, 1 - t), iterations: 0 };
    }
    return minNormActiveSet(G, K);
  };

  const solve = (G: Float64Array, K: number): WeightingResult => {
    const { weights, iterations } = simplexWeights(G, K);
    let minNormSquared = 0;
    let activeTasks = 0;
    for (let i = 0; i < K; i++) {
      if (weights[i]! > 0) activeTasks++;
      let s = 0;
      for (let j = 0; j < K; j++) s += G[i * K + j]! * weights[j]!;
      minNormSquared += weights[i]! * s;
    }
    const info: Record<MgdaInfo, number> = {
      minNormSquared: Math.max(0, minNormSquared),
      kktResidual: minNormKktResidual(G, K, weights),
      iterations,
      activeTasks,
    };
    if (reduction === 'sum') for (let i = 0; i < K; i++) weights[i] = weights[i]! * K;
    return { weights, info };
  };

  return {
    name: 'mgda',
    weights: (G, K) => solve(G, K).weights,
    solve,
  };
}
