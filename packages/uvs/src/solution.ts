/**
 * What both UVS solvers return, and the duality certificate computed the same way for each of them from G alone.
 *
 * Notation (DESIGN §4): g0 = (1/K) Σ g_i, r = c ||g0||, b = G 1/K (so b_i = <g_i, g0>),
 * F(w) = wᵀb + r sqrt(wᵀ G w) on the simplex, d* = Σ λ_i g_i.
 */

/** The exact answer of the UVS problem for one Gram matrix, before any rescale or reduction. */
export interface UvsSolution {
  /**
   * Weights of the unrescaled optimum: d* = Σ λ_i g_i. In the regular case λ = 1/K + (r / ||g_w*||) w*; in the
   * degenerate case (see {@link UvsSolution.degenerate}) λ = 1/K + v with d* the point nearest g0 that conflicts
   * with no source.
   */
  lambda: Float64Array;
  /** A minimiser w* of the dual F on the simplex (the certificate's dual point). */
  dualWeights: Float64Array;
  /**
   * True when the MGDA min-norm point is 0 (0 lies in the convex hull of the gradients) and the ball reaches the
   * no-conflict cone: then F's minimum is 0, attained where g_w = 0, the direction g_w* / ||g_w*|| is undefined, and
   * d* is taken as the projection of g0 onto {d : <g_i, d> >= 0 for all i} (the optimal point nearest g0, unique).
   * The radius constraint is then not active.
   */
  degenerate: boolean;
  /** Solver iterations (0 for closed forms and trivial cases). */
  iterations: number;
}

/** The duality certificate of a solution, in the units of G (as given, not normalised). */
export interface UvsCertificate {
  /** min_i <g_i, d*>: the smallest first-order loss decrease the update guarantees (primal value). */
  primal: number;
  /** F(w*) (dual value). Strong duality: primal = dual at the optimum. */
  dual: number;
  /** ||d* - g0|| / ||g0|| (0 when g0 = 0): equals c when the radius constraint is active. */
  radius: number;
  /** ||g0|| */
  g0Norm: number;
  /** ||d*|| */
  updateNorm: number;
}

/** Largest diagonal entry: the scale of G. Solvers work on G / scale so that every threshold is relative. */
export function gramScale(G: ArrayLike<number>, K: number): number {
  let s = 0;
  for (let i = 0; i < K; i++) s = Math.max(s, G[i * K + i]!);
  return s;
}

/**
 * Relative squared norm below which a gradient counts as zero: 1e-300 of the largest G_ii, i.e. a norm ratio of
 * 1e-150. Below that G_ii is denormal or lost in rounding, so neither its length nor its direction is known.
 */
export const ZERO_GRADIENT = 1e-300;

/** G / s (a copy), with the rows and columns of zero gradients (see {@link ZERO_GRADIENT}) set to exactly 0. */
export function normalised(G: ArrayLike<number>, K: number, s: number): Float64Array {
  const out = new Float64Array(K * K);
  for (let e = 0; e < K * K; e++) out[e] = G[e]! / s;
  for (let i = 0; i < K; i++) {
    if (out[i * K + i]! < ZERO_GRADIENT) {
      for (let j = 0; j < K; j++) {
        out[i * K + j] = 0;
        out[j * K + i] = 0;
      }
    }
  }
  return out;
}

/** b = G 1 / K: b_i = <g_i, g0>. */
export function meanProducts(G: ArrayLike<number>, K: number): Float64Array {
  const b = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += G[i * K + j]!;
    b[i] = s / K;
  }
  return b;
}

/** ||g0||² = 1ᵀ G 1 / K², clamped at 0 (a float32-built G can be indefinite by rounding). */
export function meanNormSq(G: ArrayLike<number>, K: number): number {
  let s = 0;
  for (let e = 0; e < K * K; e++) s += G[e]!;
  return Math.max(0, s / (K * K));
}

/** xᵀ G y. */
export function bilinear(
  G: ArrayLike<number>,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  K: number,
): number {
  let q = 0;
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += G[i * K + j]! * y[j]!;
    q += x[i]! * s;
  }
  return q;
}

/** The dual objective F(w) = wᵀ G 1/K + c ||g0|| sqrt(wᵀ G w). */
export function dualObjective(G: ArrayLike<number>, K: number, c: number, w: ArrayLike<number>): number {
  const b = meanProducts(G, K);
  let lin = 0;
  for (let i = 0; i < K; i++) lin += w[i]! * b[i]!;
  return lin + c * Math.sqrt(meanNormSq(G, K)) * Math.sqrt(Math.max(0, bilinear(G, w, w, K)));
}

/**
 * Certificate of a solution from G (any scale): primal value min_i (G λ)_i, dual value F(w*), and the radius
 * actually used, ||λ - 1/K||_G / ||g0||. Computed from the returned weights, so it checks what the caller gets.
 */
export function certify(G: ArrayLike<number>, K: number, c: number, sol: UvsSolution): UvsCertificate {
  const { lambda, dualWeights } = sol;
  let primal = Infinity;
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += G[i * K + j]! * lambda[j]!;
    primal = Math.min(primal, s);
  }
  const shift = new Float64Array(K);
  for (let i = 0; i < K; i++) shift[i] = lambda[i]! - 1 / K;
  const g0Norm = Math.sqrt(meanNormSq(G, K));
  const moved = Math.sqrt(Math.max(0, bilinear(G, shift, shift, K)));
  return {
    primal,
    dual: dualObjective(G, K, c, dualWeights),
    radius: g0Norm > 0 ? moved / g0Norm : 0,
    g0Norm,
    updateNorm: Math.sqrt(Math.max(0, bilinear(G, lambda, lambda, K))),
  };
}

/**
 * The answer when the radius is zero (c = 0 or g0 = 0): the mean, certified by the vertex of smallest b_i.
 * `degenerate` is passed through: g0 = 0 is the degenerate case (0 is in the hull and d* = g0 = 0 is in the cone).
 */
export function meanSolution(G: ArrayLike<number>, K: number, degenerate: boolean): UvsSolution {
  const b = meanProducts(G, K);
  let best = 0;
  for (let i = 1; i < K; i++) if (b[i]! < b[best]!) best = i;
  const dualWeights = new Float64Array(K);
  dualWeights[best] = 1;
  return { lambda: new Float64Array(K).fill(1 / K), dualWeights, degenerate, iterations: 0 };
}
