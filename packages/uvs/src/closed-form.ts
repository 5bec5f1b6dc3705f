/**
 * The exact K = 2 solution (DESIGN §4): no iterative solver.
 *
 * With w = (t, 1 - t), a = G11 + G22 - 2 G12 = ||g1 - g2||², β = G12 - G22, det = G11 G22 - G12², the dual is
 * F(t) = t b1 + (1 - t) b2 + r sqrt(a t² + 2 β t + G22). Writing x = a t + β, the norm term is
 * sqrt((x² + det) / a), so F'(t) = 0 reads sqrt(a) x / sqrt(x² + det) = k with k = (b2 - b1) / r
 * (= -(G11 - G22) / (2 c ||g0||)). It has the one root x = sign(k) |k| sqrt(det / (a - k²)) when a > k², and F
 * is convex, so the minimiser on [0, 1] is the best of that root (clamped) and the two endpoints.
 */
import { gramScale, meanNormSq, meanSolution, normalised, type UvsSolution } from './solution.js';

/**
 * ||g_w*|| below this fraction of the largest gradient norm counts as zero: 0 is then in the convex hull (the
 * gradients are, for K = 2, antiparallel or one is zero) and the direction g_w* / ||g_w*|| does not exist. A norm
 * computed from G cannot be resolved below about sqrt(machine epsilon) ≈ 1.5e-8 of the scale (G's rounding is
 * absolute), so anything under 1e-7 is treated as 0 rather than amplified into a meaningless direction.
 */
export const DEGENERATE_NORM = 1e-7;

/** ||g1 - g2||² below this fraction of the scale: the gradients are identical up to rounding. */
const IDENTICAL = 1e-14;

/**
 * Exact UVS for K = 2 from the 2×2 Gram matrix (row-major, any scale). Returns the unrescaled solution; see
 * {@link UvsSolution}. Finite for every valid G, including zero, identical, collinear and badly scaled gradients.
 */
export function solveTwo(G: ArrayLike<number>, c: number): UvsSolution {
  const scale = gramScale(G, 2);
  if (!(scale > 0)) return meanSolution(G, 2, true);
  const g = normalised(G, 2, scale);
  const g11 = g[0]!;
  const g12 = 0.5 * (g[1]! + g[2]!);
  const g22 = g[3]!;
  const g0 = Math.sqrt(meanNormSq(g, 2));
  const r = c * g0;
  if (!(r > 0)) return meanSolution(G, 2, g0 === 0);
  const b1 = 0.5 * (g11 + g12);
  const b2 = 0.5 * (g12 + g22);
  const a = Math.max(0, g11 + g22 - 2 * g12);
  const beta = g12 - g22;
  // G11 G22 - G12² cancels: below a few ulps of G11 G22 it is rounding, and treating it as 0 (collinear) puts
  // the stationary point exactly at the min-norm point instead of ~sqrt(ulp) away from it.
  const rawDet = g11 * g22 - g12 * g12;
  const det = rawDet > 8 * Number.EPSILON * g11 * g22 ? rawDet : 0;
  const normSq = (t: number) => Math.max(0, a * t * t + 2 * beta * t + g22);
  const F = (t: number) => t * b1 + (1 - t) * b2 + r * Math.sqrt(normSq(t));

  let t: number;
  if (a <= IDENTICAL) {
    // g1 = g2: every t gives the same g_w; t = 1/2 keeps the answer symmetric in the two sources.
    t = 0.5;
  } else {
    const candidates = [0, 1];
    const k = (b2 - b1) / r;
    if (a > k * k) {
      const x = Math.sign(k) * Math.abs(k) * Math.sqrt(det / (a - k * k));
      candidates.push(Math.min(1, Math.max(0, (x - beta) / a)));
    }
    t = candidates[0]!;
    for (const s of candidates) if (F(s) < F(t)) t = s;
  }
  const dualWeights = Float64Array.of(t, 1 - t);
  // At a vertex the norm is sqrt(G_ii), exact; inside the segment it comes out of a cancellation. A norm below
  // DEGENERATE_NORM may stand for a hull point with g_w = 0 that rounding put a hair away (t rounded onto a tiny
  // vertex, or a cancelled interior norm); just above it (nearly antiparallel gradients, ||g_w|| ~ 1e-6 of the
  // scale) det keeps only a few digits, t and so the direction of g_w are off by up to ~1e-4, and the regular point
  // can miss t* by that much (issue #20's differential test). The no-conflict projection is therefore always tried
  // too and the better feasible primal point wins: it is a point of the ball, so it can only bring the answer closer.
  const gwNorm = t === 0 ? Math.sqrt(g22) : t === 1 ? Math.sqrt(g11) : Math.sqrt(normSq(t));
  const regular =
    gwNorm > 0 ? Float64Array.of(0.5 + (r / gwNorm) * t, 0.5 + (r / gwNorm) * (1 - t)) : undefined;
  const lambda = projectTwo(g11, g22, b1, b2);
  const moved = Math.sqrt(Math.max(0, quad(g11, g12, g22, lambda[0]! - 0.5, lambda[1]! - 0.5)));
  // The projection is a candidate only inside the ball (it always is when 0 is truly in the hull).
  if (moved <= r * (1 + 1e-9)) {
    const worst = (l: Float64Array) => Math.min(g11 * l[0]! + g12 * l[1]!, g12 * l[0]! + g22 * l[1]!);
    if (regular === undefined || worst(lambda) >= worst(regular)) {
      return { lambda, dualWeights, degenerate: true, iterations: 0 };
    }
  }
  if (regular === undefined) return meanSolution(G, 2, true);
  return { lambda: regular, dualWeights, degenerate: false, iterations: 0 };
}

const quad = (g11: number, g12: number, g22: number, x: number, y: number) =>
  g11 * x * x + 2 * g12 * x * y + g22 * y * y;

/**
 * Weights of the projection of g0 onto {d : <g1, d> >= 0, <g2, d> >= 0} for the degenerate case. b1 + b2 =
 * 2 ||g0||² >= 0, so at most one constraint is violated; adding the multiple of that gradient that makes it tight
 * also satisfies the other, because here the gradients are antiparallel or one is zero.
 */
function projectTwo(g11: number, g22: number, b1: number, b2: number): Float64Array {
  const lambda = Float64Array.of(0.5, 0.5);
  if (b1 < 0 && g11 > 0) lambda[0] = 0.5 - b1 / g11;
  else if (b2 < 0 && g22 > 0) lambda[1] = 0.5 - b2 / g22;
  return lambda;
}
