import {
  checkInteger,
  checkOption,
  GramianError,
  validateGram,
  type Weighting,
  type WeightingResult,
} from '@cs-dfd/gramian';
import { type BargainingSolution, minNormSquared, solveBargaining } from './bargaining.js';

/** Options of {@link nashMtl}. */
export interface NashMtlOptions {
  /**
   * Cap on ||d|| (torchjd's `max_norm`, default 1 there). At the exact solution ||d||² = Σ α_i <g_i, d> = K⁺ (the
   * number of non-zero gradients) whatever the gradients' scale, so a cap below √K⁺ is a constant rescale.
   * Default `Infinity` (off): the weights are the bargaining solution itself. `{ maxNorm: 1 }` matches torchjd.
   */
  maxNorm?: number;
  /**
   * Stop when max_i |α_i (Gα)_i − 1| ≤ tolerance·max(1, α_i Σ_j |G_ij α_j|) (default 1e-10; Newton converges
   * quadratically and usually ends near 1e-16).
   */
  tolerance?: number;
  /** Newton iteration cap (default 100; typical problems take 5–30). */
  maxIterations?: number;
  /**
   * When min_{w∈Δ} ||Σ w_i g_i/||g_i||||² ≤ this (default 1e-10), some non-negative combination of the gradients
   * vanishes to working precision (Pareto stationarity) and no bargaining solution exists; the weights are then 0.
   * Below ~1e-10 the solution (β ~ 1/√q) would be dominated by the rounding already in G.
   */
  stationarityTolerance?: number;
}

/** A {@link Weighting} whose `solve` is always present. */
export type NashMtlWeighting = Weighting & { solve(G: Float64Array, K: number): WeightingResult };

/**
 * Nash-MTL (Navon et al., *Multi-Task Learning as a Bargaining Game*, ICML 2022): α > 0 with α_i (Gα)_i = 1, the
 * exact solution (torchjd/LibMTL run 20 steps of a sequential convex approximation through cvxpy instead).
 *
 * Promises: every <g_i, d> = 1/α_i > 0 (non-conflict); d is unchanged when any gradient is rescaled
 * (G → DGD with D positive diagonal gives α → D⁻¹α), in particular under G → sG (α → α/√s);
 * ||d|| = √K⁺ before `maxNorm`. Edge cases, never NaN: zero gradients get weight 0 and are left out of the
 * bargaining; if the remaining gradients are Pareto-stationary (e.g. g₂ = −c g₁) there is no solution and all
 * weights are 0 (d = 0, `info.stationary = 1`), also when the computed equilibrium misses ||d||² = K⁺ by more
 * than 1e-6 relative (closer to stationarity than rounding resolves); all-zero G gives 0.
 *
 * `info`: `iterations`, `residual` (max_i |α_i (Gα)_i − 1| over non-zero gradients, relative to the rounding of its evaluation, see
 * {@link BargainingSolution}), `converged` (1/0),
 * `stationary` (1/0), `updateNorm` (||d|| after `maxNorm`).
 */
export function nashMtl(options: NashMtlOptions = {}): NashMtlWeighting {
  const {
    maxNorm = Infinity,
    tolerance = 1e-12,
    maxIterations = 100,
    stationarityTolerance = 1e-12,
  } = options;
  checkOption('nashMtl', 'maxNorm', maxNorm, 0);
  if (maxNorm === 0)
    throw new GramianError('invalid-option', 'nashMtl: option maxNorm must be positive, got 0');
  checkOption('nashMtl', 'tolerance', tolerance, 0, 1);
  checkOption('nashMtl', 'stationarityTolerance', stationarityTolerance, 0, 1);
  checkInteger('nashMtl', 'maxIterations', maxIterations, 1, 1e6);

  const solve = (G: Float64Array, K: number): WeightingResult => {
    validateGram(G, K);
    const weights = new Float64Array(K);
    const idx: number[] = [];
    for (let i = 0; i < K; i++) if (G[i * K + i]! > 0) idx.push(i);
    const m = idx.length;
    const none = { iterations: 0, residual: 0, converged: 1, updateNorm: 0 };
    if (m === 0) return { weights, info: { ...none, stationary: 1 } };
    const norms = idx.map((i) => Math.sqrt(G[i * K + i]!));
    const C = new Float64Array(m * m);
    for (let a = 0; a < m; a++) {
      for (let c = 0; c < m; c++) {
        C[a * m + c] = Math.max(-1, Math.min(1, G[idx[a]! * K + idx[c]!]! / (norms[a]! * norms[c]!)));
      }
      C[a * m + a] = 1;
    }
    if (m > 1 && minNormSquared(C, m) <= stationarityTolerance) {
      return { weights, info: { ...none, stationary: 1 } };
    }
    const { beta, iterations, residual } = solveBargaining(C, m, tolerance, maxIterations);
    let normSq = 0;
    for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) normSq += beta[a]! * C[a * m + c]! * beta[c]!;
    // At the solution ||d||² = Σ β_i (Cβ)_i = m exactly. A visible deviation means the equilibrium is dominated
    // by rounding (gradients within ~1e-12 of Pareto-stationary that the min-norm test could not resolve):
    // treated as stationary rather than returning weights of unknown accuracy.
    if (!(Math.abs(normSq - m) <= 1e-6 * m)) return { weights, info: { ...none, stationary: 1 } };
    const norm = Math.sqrt(Math.max(0, normSq));
    const shrink = norm > maxNorm ? maxNorm / norm : 1;
    idx.forEach((i, a) => {
      weights[i] = (shrink * beta[a]!) / norms[a]!;
    });
    return {
      weights,
      info: {
        iterations,
        residual,
        converged: residual <= tolerance ? 1 : 0,
        stationary: 0,
        updateNorm: shrink * norm,
      },
    };
  };
  return { name: 'nash-mtl', weights: (G, K) => solve(G, K).weights, solve };
}
