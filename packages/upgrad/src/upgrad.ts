import type { Weighting, WeightingResult } from '@cs-dfd/gramian';
import { projectToDualCone } from './dual-cone.js';
import { type DualConeOptions, resolveOptions } from './options.js';

/** A {@link Weighting} whose `solve` (weights plus diagnostics) is always present. */
export type DualConeWeighting = Weighting & { solve(G: Float64Array, K: number): WeightingResult };

/**
 * UPGrad (Quinton & Rey, *Jacobian Descent for Multi-Objective Optimization*, 2024): project each u_i g_i onto
 * the dual cone of the gradients and add the projections, w = Σ_i v⁽ⁱ⁾ with v⁽ⁱ⁾ = argmin_{v ≥ u_i e_i} vᵀGv.
 * Every <g_j, d> ≥ 0 (each projection lies in the cone), d = Σ u_i g_i when no pair conflicts (G_ij ≥ 0), and
 * w is invariant under G → sG. `info`: `kktResidual` (worst over the K projections, see
 * {@link DualConeProjection}), `minDecrease` (min_i <g_i, d>/(||g_i|| Σ_j |w_j| ||g_j||), ≥ 0 up to rounding).
 */
export function upgrad(options: DualConeOptions = {}): DualConeWeighting {
  const opts = resolveOptions('upgrad', options);
  const solve = (G: Float64Array, K: number): WeightingResult => {
    const Gs = opts.gram(G, K);
    const u = opts.preference(K);
    const w = new Float64Array(K);
    let kktResidual = 0;
    const ui = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      if (u[i] === 0) continue; // the projection of 0 is 0
      ui.fill(0);
      ui[i] = u[i]!;
      const p = projectToDualCone(Gs, K, ui);
      for (let j = 0; j < K; j++) w[j] = w[j]! + p.weights[j]!;
      kktResidual = Math.max(kktResidual, p.kktResidual);
    }
    return { weights: w, info: { kktResidual, minDecrease: minRelativeDecrease(G, K, w) } };
  };
  return { name: 'upgrad', weights: (G, K) => solve(G, K).weights, solve };
}

/**
 * DualProj (the projection of GEM, Lopez-Paz & Ranzato 2017, in torchjd's form): project the preference-weighted
 * combination Σ u_i g_i onto the dual cone, w = argmin_{v ≥ u} vᵀGv. Same guarantees and `info` as
 * {@link upgrad}; w = u when Σ u_i g_i already conflicts with no task.
 */
export function dualProj(options: DualConeOptions = {}): DualConeWeighting {
  const opts = resolveOptions('dualProj', options);
  const solve = (G: Float64Array, K: number): WeightingResult => {
    const p = projectToDualCone(opts.gram(G, K), K, opts.preference(K));
    return {
      weights: p.weights,
      info: { kktResidual: p.kktResidual, minDecrease: minRelativeDecrease(G, K, p.weights) },
    };
  };
  return { name: 'dualproj', weights: (G, K) => solve(G, K).weights, solve };
}

/**
 * min_i <g_i, d> / (||g_i|| Σ_j |w_j| ||g_j||) over non-zero gradients (0 if none): the per-task decrease relative
 * to its Cauchy–Schwarz bound, in [−1, 1]. Unlike a cosine with d it stays meaningful when d is nearly 0
 * (e.g. opposite gradients), where the sign of a rounding-level d is noise.
 */
function minRelativeDecrease(G: Float64Array, K: number, w: Float64Array): number {
  let size = 0;
  for (let j = 0; j < K; j++) size += Math.abs(w[j]!) * Math.sqrt(G[j * K + j]!);
  let worst = Infinity;
  for (let i = 0; i < K; i++) {
    const gi = Math.sqrt(G[i * K + i]!);
    if (!(gi > 0 && size > 0)) continue;
    let s = 0;
    for (let j = 0; j < K; j++) s += G[i * K + j]! * w[j]!;
    worst = Math.min(worst, s / (gi * size));
  }
  return Number.isFinite(worst) ? worst : 0;
}
