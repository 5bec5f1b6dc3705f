/**
 * Exact UVS for any K, through the primal in Gram coordinates.
 *
 * For a level t let P_t = {d : <g_i, d> >= t for all i} and dist(t) = distance from g0 to P_t. dist is 0 for
 * t <= min_i <g_i, g0>, then non-decreasing and convex, and +∞ once P_t is empty (which happens for t > 0 exactly
 * when 0 is in the convex hull of the gradients). The primal value is t* = max {t : dist(t) <= r}, and d* is the
 * projection of g0 onto P_t*. Each projection is a least-distance problem (LDP) in the K coordinates of a factor
 * J of G (JᵀJ = G), solved exactly by Lawson–Hanson's reduction to non-negative least squares (which also
 * certifies emptiness); its multipliers x >= 0 give d = g0 + Σ x_i g_i, i.e. weights λ = 1/K + x.
 *
 * t* is found by a safeguarded Newton-type search: on the active set A of the last projection, dist²(t) is the
 * quadratic (t1 - b_A)ᵀ G_AA⁺ (t1 - b_A), whose root gives the next level; bisection keeps the bracket. Once the
 * active set is right the root is exact, so the search ends after a few projections. Stops when
 * |dist(t) - r| <= tolerance · r or the bracket is below rounding; at most `maxIterations` projections.
 */
import { gramFactor, nnls, pseudoInverseSym } from '@cs-dfd/gramian/linalg';
import { DEGENERATE_NORM } from './closed-form.js';
import {
  dualObjective,
  gramScale,
  meanNormSq,
  meanProducts,
  meanSolution,
  normalised,
  type UvsSolution,
} from './solution.js';

/** Stopping rules of {@link solveGeneral}. */
export interface GeneralSolverOptions {
  /** Relative tolerance on the radius equation ||d - g0|| = c ||g0||. Default 1e-12. */
  tolerance?: number;
  /** Cap on projections (each one NNLS of size (K+1)×K). Default 100. */
  maxIterations?: number;
}

/** Default relative tolerance of the general solver. */
export const GENERAL_TOLERANCE = 1e-12;
/** Default iteration cap of the general solver. */
export const GENERAL_MAX_ITERATIONS = 100;

interface Projection {
  feasible: boolean;
  /** multipliers: d = g0 + Σ x_i g_i (feasible only) */
  x: Float64Array;
  dist: number;
  /** for an empty P_t: weights of a hull point with g_w = 0 (Lawson–Hanson's infeasibility certificate) */
  hullZero?: Float64Array;
  /** multipliers of the unit gradients of the live (non-zero) sources; their support is the active set */
  u: Float64Array;
}

/**
 * Exact UVS for any K >= 1 from the K×K Gram matrix (row-major, any scale); the unrescaled solution, see
 * {@link UvsSolution}. Cross-checked against {@link solveTwo} at K = 2 and against brute force in the tests.
 */
export function solveGeneral(
  G: ArrayLike<number>,
  K: number,
  c: number,
  options: GeneralSolverOptions = {},
): UvsSolution {
  const tolerance = options.tolerance ?? GENERAL_TOLERANCE;
  const maxIterations = options.maxIterations ?? GENERAL_MAX_ITERATIONS;
  const scale = gramScale(G, K);
  if (!(scale > 0)) return meanSolution(G, K, true);
  const g = normalised(G, K, scale);
  const g0 = Math.sqrt(meanNormSq(g, K));
  const r = c * g0;
  if (!(r > 0)) return meanSolution(G, K, g0 === 0);
  const b = meanProducts(g, K);
  // Work with unit gradients: constraint i, <g_i, d - g0> >= t - b_i, becomes <ĝ_i, z> >= (t - b_i) / n_i.
  // The cosine matrix Ĉ keeps every gradient's direction to full precision however small it is relative to the
  // others (a factor of G itself would lose it in absolute rounding), and balances the NNLS columns.
  const n = new Float64Array(K);
  for (let i = 0; i < K; i++) n[i] = Math.sqrt(g[i * K + i]!);
  const live: number[] = [];
  for (let i = 0; i < K; i++) if (n[i]! > 0) live.push(i);
  const L = live.length;
  const C = new Float64Array(L * L);
  for (let a = 0; a < L; a++) {
    for (let e = 0; e < L; e++) {
      const i = live[a]!;
      const j = live[e]!;
      C[a * L + e] = a === e ? 1 : Math.max(-1, Math.min(1, g[i * K + j]! / (n[i]! * n[j]!)));
    }
  }
  const J = gramFactor(C, L);
  let iterations = 0;
  // Every projection proposes a dual point (its multipliers normalised, or an infeasibility certificate); the
  // certificate reports the best, since F(w) >= t* for every w and equality holds at the optimum.
  const candidates: Float64Array[] = [];

  // Worst violation max_a (ĥ_a - (Ĉ û)_a) of scaled multipliers û (length L).
  const violation = (u: Float64Array, hh: Float64Array): number => {
    let worst = -Infinity;
    for (let a = 0; a < L; a++) {
      let s = 0;
      for (let e = 0; e < L; e++) s += C[a * L + e]! * u[e]!;
      worst = Math.max(worst, hh[a]! - s);
    }
    return worst;
  };
  // The NNLS goes through normal equations (condition number squared); re-solving the active constraints as
  // equalities, Ĉ_AA û_A = ĥ_A, from an eigen-decomposition recovers the lost digits. Kept only when it stays
  // non-negative and violates the constraints less.
  const refine = (u: Float64Array, hh: Float64Array): Float64Array => {
    const A: number[] = [];
    for (let a = 0; a < L; a++) if (u[a]! > 0) A.push(a);
    const m = A.length;
    if (m === 0) return u;
    const CA = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let e = 0; e < m; e++) CA[a * m + e] = C[A[a]! * L + A[e]!]!;
    const P = pseudoInverseSym(CA, m);
    const y = new Float64Array(L);
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let e = 0; e < m; e++) s += P[a * m + e]! * hh[A[e]!]!;
      if (!(s >= 0)) return u;
      y[A[a]!] = s;
    }
    return violation(y, hh) <= violation(u, hh) ? y : u;
  };
  const toWeights = (u: Float64Array): Float64Array => {
    const x = new Float64Array(K);
    live.forEach((i, a) => {
      x[i] = u[a]! / n[i]!;
    });
    return x;
  };

  const project = (t: number): Projection => {
    iterations++;
    // a zero gradient allows only t <= b_i = 0; beyond, vertex i itself is the hull point with g = 0
    for (let i = 0; i < K; i++) {
      if (n[i] === 0 && t > 0) {
        const hullZero = new Float64Array(K);
        hullZero[i] = 1;
        candidates.push(hullZero);
        return { feasible: false, x: new Float64Array(K), dist: Infinity, hullZero, u: new Float64Array(L) };
      }
    }
    const hh = new Float64Array(L);
    let hmax = 0;
    let habs = 0;
    for (let a = 0; a < L; a++) {
      const i = live[a]!;
      hh[a] = (t - b[i]!) / n[i]!;
      hmax = Math.max(hmax, hh[a]!);
      habs = Math.max(habs, Math.abs(hh[a]!));
    }
    if (hmax <= 0) return { feasible: true, x: new Float64Array(K), dist: 0, u: new Float64Array(L) };
    // Constraints far below zero cannot bind near the sphere ||z|| = r; clamping them at -floor keeps the NNLS
    // balanced (a tiny gradient makes ĥ huge). A projection of norm <= 2r of the clamped problem satisfies every
    // clamped constraint, so it is exact; a longer one still proves dist(t) > r, which is all the search needs.
    const floor = 4 * Math.max(r, hmax);
    habs = 0;
    for (let a = 0; a < L; a++) {
      hh[a] = Math.max(hh[a]!, -floor);
      habs = Math.max(habs, Math.abs(hh[a]!));
    }
    // Lawson–Hanson: LDP min ||z|| s.t. Ĵᵀz >= ĥ  <=>  NNLS min ||E u - e_{L+1}||, E = [Ĵ; ĥᵀ/σ].
    const E = new Float64Array((L + 1) * L);
    E.set(J.subarray(0, L * L));
    for (let a = 0; a < L; a++) E[L * L + a] = hh[a]! / habs;
    const f = new Float64Array(L + 1);
    f[L] = 1;
    const raw = nnls(E, f, L + 1, L);
    let hu = 0;
    for (let a = 0; a < L; a++) hu += (hh[a]! / habs) * raw[a]!;
    const rho = 1 - hu; // = squared NNLS residual; 0 exactly when P_t is empty
    const u = new Float64Array(L);
    let scaledSum = 0;
    for (let a = 0; a < L; a++) {
      u[a] = (raw[a]! * habs) / rho;
      scaledSum += u[a]!;
    }
    const refined = refine(u, hh);
    const x = toWeights(refined);
    let xsum = 0;
    for (let i = 0; i < K; i++) xsum += x[i]!;
    // Empty P_t, exactly (zero residual) or numerically: multipliers this large mean d would be g0 plus a
    // combination of unit gradients whose norm is below what G can resolve (see DEGENERATE_NORM), and a
    // "projection" that misses its own constraints is no point of P_t.
    if (
      rho <= 1e-10 ||
      scaledSum * DEGENERATE_NORM > 10 * Math.max(1, r) ||
      violation(refined, hh) > 1e-9 * (1 + habs) + 1e-13 * scaledSum
    ) {
      const hullZero = toWeights(raw);
      let s = 0;
      for (let i = 0; i < K; i++) s += hullZero[i]!;
      for (let i = 0; i < K; i++) hullZero[i] = s > 0 ? hullZero[i]! / s : 1 / K;
      candidates.push(hullZero);
      return { feasible: false, x: new Float64Array(K), dist: Infinity, hullZero, u };
    }
    if (xsum > 0) candidates.push(x.map((v) => v / xsum));
    let q = 0;
    for (let a = 0; a < L; a++) for (let e = 0; e < L; e++) q += refined[a]! * C[a * L + e]! * refined[e]!;
    return { feasible: true, x, dist: Math.sqrt(Math.max(0, q)), u: refined };
  };

  // The level at which dist²(t) = r² if the active set of `p` stays active (NaN when it does not determine one):
  // dist² = ĥ_Aᵀ Ĉ_AA⁺ ĥ_A with ĥ_a = t v_a - β_a, v_a = 1 / n_a, β_a = b_a / n_a.
  const newtonLevel = (p: Projection): number => {
    const A: number[] = [];
    for (let a = 0; a < L; a++) if (p.u[a]! > 0) A.push(a);
    const m = A.length;
    if (m === 0) return Number.NaN;
    const CA = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let e = 0; e < m; e++) CA[a * m + e] = C[A[a]! * L + A[e]!]!;
    const P = pseudoInverseSym(CA, m);
    const v = A.map((a) => 1 / n[live[a]!]!);
    const bt = A.map((a) => b[live[a]!]! / n[live[a]!]!);
    let alpha = 0;
    let beta = 0;
    let gamma = 0;
    for (let a = 0; a < m; a++) {
      for (let e = 0; e < m; e++) {
        const pae = P[a * m + e]!;
        alpha += v[a]! * pae * v[e]!;
        beta += v[a]! * pae * bt[e]!;
        gamma += bt[a]! * pae * bt[e]!;
      }
    }
    if (!(alpha > 0)) return Number.NaN;
    return (beta + Math.sqrt(Math.max(0, beta * beta - alpha * (gamma - r * r)))) / alpha;
  };

  const finish = (p: Projection, preferred: Float64Array, degenerate: boolean): UvsSolution => {
    let dualWeights = preferred;
    let bestF = dualObjective(g, K, c, preferred);
    for (const w of candidates) {
      const f = dualObjective(g, K, c, w);
      if (f < bestF) {
        bestF = f;
        dualWeights = w;
      }
    }
    const lambda = new Float64Array(K);
    // On the sphere the multipliers are scaled by r / dist (a relative change of at most `tolerance`), so the
    // returned weights meet the radius equation to rounding.
    const fix = !degenerate && p.dist > 0 ? r / p.dist : 1;
    for (let i = 0; i < K; i++) lambda[i] = 1 / K + p.x[i]! * fix;
    return { lambda: shareAmongTwins(g, K, lambda), dualWeights, degenerate, iterations };
  };

  // Within tolerance: one more exact step on the (now settled) active set, kept only if it is closer.
  const polish = (p: Projection): Projection => {
    const t = newtonLevel(p);
    if (!Number.isFinite(t) || iterations >= maxIterations) return p;
    const q = project(t);
    return q.feasible && Math.abs(q.dist - r) < Math.abs(p.dist - r) ? q : p;
  };

  // Bracket: lo = min_i b_i (g0 itself is in P_lo); hi = min_i (b_i + r ||g_i||), an upper bound of t* because
  // <g_j, d> <= b_j + r ||g_j|| on the ball. Vertex j attains F(e_j) = hi, so it certifies t* = hi.
  let lo = Infinity;
  let hi = Infinity;
  let hiVertex = 0;
  for (let i = 0; i < K; i++) {
    lo = Math.min(lo, b[i]!);
    const up = b[i]! + r * Math.sqrt(Math.max(0, g[i * K + i]!));
    if (up < hi) {
      hi = up;
      hiVertex = i;
    }
  }
  const vertex = new Float64Array(K);
  vertex[hiVertex] = 1;
  const top = project(hi);
  if (top.feasible && top.dist <= r) return finish(top, vertex, top.dist < r * (1 - 1e-9));
  let best = project(lo);
  let last: Projection = top.feasible ? top : best;
  let hullZero: Float64Array | undefined = top.hullZero;
  let zeroChecked = false;

  while (iterations < maxIterations) {
    if (hullZero !== undefined && !zeroChecked && lo <= 0 && hi > 0) {
      // P_t is empty for some t > 0, so 0 is in the hull and t* <= 0; t = 0 settles the degenerate case.
      zeroChecked = true;
      const atZero = project(0);
      if (atZero.feasible && atZero.dist <= r * (1 + tolerance)) {
        return finish(atZero, hullZero, atZero.dist < r * (1 - 1e-9));
      }
      hi = 0;
      if (atZero.feasible) last = atZero;
      continue;
    }
    let t = newtonLevel(last);
    if (!(t > lo && t < hi)) t = 0.5 * (lo + hi);
    const p = project(t);
    if (p.feasible && Math.abs(p.dist - r) <= tolerance * r) return finish(polish(p), vertex, false);
    if (!p.feasible || p.dist > r) {
      hi = t;
      if (!p.feasible) hullZero ??= p.hullZero;
      if (p.feasible) last = p;
    } else {
      lo = t;
      best = p;
      last = p;
    }
    // t is in units of the largest ||g_i||²: 1e-13 of that is below anything the certificate can resolve.
    if (hi - lo <= 1e-13 * Math.max(1, r)) break;
  }
  // Bracket exhausted (or cap reached): the best feasible level below t*. A radius left unused means t* sits at
  // the edge of feasibility (0 in the hull): the degenerate case.
  return finish(best, hullZero ?? vertex, best.dist < r * (1 - 1e-9));
}

/**
 * Identical sources (equal rows of G) get equal weights: every split of their total gives the same d, but the NNLS
 * puts it all on one of them, and a caller reading the weights would see two identical sources treated differently.
 */
function shareAmongTwins(G: Float64Array, K: number, lambda: Float64Array): Float64Array {
  const group = Array.from({ length: K }, (_, i) => i);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < i; j++) {
      if (group[j] !== j) continue;
      let same = true;
      for (let k = 0; k < K && same; k++) same = G[i * K + k] === G[j * K + k];
      if (same) {
        group[i] = j;
        break;
      }
    }
  }
  const out = Float64Array.from(lambda);
  for (let j = 0; j < K; j++) {
    if (group[j] !== j) continue;
    let total = 0;
    let count = 0;
    for (let i = 0; i < K; i++) {
      if (group[i] === j) {
        total += lambda[i]!;
        count++;
      }
    }
    for (let i = 0; i < K; i++) if (group[i] === j) out[i] = total / count;
  }
  return out;
}
