/**
 * Min-norm point of the convex hull of the task gradients, in Gram space: w⋆ = argmin_{w ∈ Δ} wᵀ G w
 * (Δ the probability simplex). Three solvers: the K = 2 closed form, an exact active-set solve for any K, and
 * Frank–Wolfe (the algorithm of Sener & Koltun 2018 and torchjd) for reproducing those implementations.
 */
import { gramFactor, nnls, solveLinear } from '@cs-dfd/gramian/linalg';

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

/**
 * Exact solve for any K by a reduction to non-negative least squares: with F a factor of G (FᵀF = G),
 *   x⋆ = argmin_{x ≥ 0} ||F x||² + (1ᵀx − 1)²
 * equals w⋆/(1 + q⋆) where q⋆ = w⋆ᵀ G w⋆: for x = τ w (w ∈ Δ) the objective is τ² q(w) + (τ − 1)², minimised
 * over τ at q(w)/(1 + q(w)), which increases with q(w). So w⋆ = x⋆/Σ x⋆, found by Lawson–Hanson's finite
 * active-set method. G is first scaled to unit max-diagonal (w⋆ does not change) so that q⋆ ≤ 1 and the
 * simplex row is as heavy as the Gram rows.
 */
export function minNormActiveSet(G: Float64Array, K: number): MinNormSolution {
  const scale = maxDiagonal(G, K);
  if (scale === 0) return { weights: new Float64Array(K).fill(1 / K), iterations: 0 };
  const Gs = G.map((v) => v / scale);
  const F = gramFactor(Gs, K);
  const C = new Float64Array((K + 1) * K);
  C.set(F);
  C.fill(1, K * K);
  const target = new Float64Array(K + 1);
  target[K] = 1;
  const x = nnls(C, target, K + 1, K);
  let total = 0;
  for (let i = 0; i < K; i++) total += x[i]!;
  // Σ x⋆ = 1/(1 + q⋆) ≥ 1/2 at the optimum; the guard only keeps a failed solve finite.
  const weights = total > 0 ? x.map((v) => v / total) : new Float64Array(K).fill(1 / K);
  return { weights: polishOnSupport(Gs, K, weights), iterations: 1 };
}

/**
 * Lawson–Hanson finds the optimal support reliably, but its least-squares step goes through the normal
 * equations (an eigen pseudo-inverse), which loses accuracy when the gradient norms differ by orders of
 * magnitude. On the support S the optimum solves the bordered KKT system [G_SS 1; 1ᵀ 0][w; −λ] = [0; 1]
 * directly; solved by pivoted elimination after scaling G to unit diagonal (w_i = y_i/||g_i||), whose residual
 * is small relative to G itself. The polished w replaces the input only when it stays feasible and its KKT
 * residual is smaller, so this step can only help.
 */
function polishOnSupport(G: Float64Array, K: number, w: Float64Array): Float64Array {
  const S: number[] = [];
  for (let i = 0; i < K; i++) if (w[i]! > 0 && G[i * K + i]! > 0) S.push(i);
  const m = S.length;
  if (m < 2) return w;
  const norms = S.map((i) => Math.sqrt(G[i * K + i]!));
  const nmin = Math.min(...norms);
  const n = m + 1;
  const A = new Float64Array(n * n);
  const b = new Float64Array(n);
  for (let a = 0; a < m; a++) {
    for (let c = 0; c < m; c++) A[a * n + c] = G[S[a]! * K + S[c]!]! / (norms[a]! * norms[c]!);
    // the border row is 1/||g_i||, scaled by ||g||_min so that its entries are at most 1
    A[a * n + m] = -nmin / norms[a]!;
    A[m * n + a] = nmin / norms[a]!;
  }
  b[m] = 1;
  const sol = solveLinear(A, b, n);
  if (sol === null) return w;
  const polished = new Float64Array(K);
  let total = 0;
  for (let a = 0; a < m; a++) {
    const v = sol[a]! / norms[a]!;
    if (!(v > 0) || !Number.isFinite(v)) return w;
    polished[S[a]!] = v;
    total += v;
  }
  for (let a = 0; a < m; a++) polished[S[a]!] = polished[S[a]!]! / total;
  return minNormKktResidual(G, K, polished) < minNormKktResidual(G, K, w) ? polished : w;
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

/**
 * First-order optimality of w for min wᵀGw on Δ, relative to max_i G_ii: with λ = wᵀGw and r = Gw − λ1 the
 * KKT conditions are r ≥ 0 and w_i r_i = 0; returns max_i max(−r_i, |w_i r_i|) / max_i G_ii (0 for G = 0).
 */
export function minNormKktResidual(G: Float64Array, K: number, w: ArrayLike<number>): number {
  const scale = maxDiagonal(G, K);
  if (scale === 0) return 0;
  const Gw = new Float64Array(K);
  let lambda = 0;
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += G[i * K + j]! * w[j]!;
    Gw[i] = s;
    lambda += w[i]! * s;
  }
  let worst = 0;
  for (let i = 0; i < K; i++) {
    const r = Gw[i]! - lambda;
    worst = Math.max(worst, -r, Math.abs(w[i]! * r));
  }
  return worst / scale;
}

function maxDiagonal(G: Float64Array, K: number): number {
  let m = 0;
  for (let i = 0; i < K; i++) m = Math.max(m, G[i * K + i]!);
  return m;
}
