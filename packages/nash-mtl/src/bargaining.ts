/**
 * The Nash bargaining weights of Nash-MTL (Navon et al., ICML 2022): α > 0 with G α = 1/α elementwise, i.e.
 * α_i <g_i, d> = 1 for d = Σ α_j g_j. Substituting α_i = β_i/||g_i|| turns this into β ∘ (Cβ) = 1 with C the
 * cosine matrix, so the solution depends on the gradients' directions only and the scaling is perfect whatever
 * the norms. β minimises the strictly convex, self-concordant φ(β) = ½ βᵀCβ − Σ log β_i, solved by Newton's
 * method with a positivity-keeping backtracking line search.
 */
import { matVec, minNormOnSimplex, pseudoInverseSym, quadForm, solveLinear } from '@cs-dfd/gramian/linalg';

/** Solution of β ∘ (Cβ) = 1 and how it was found. */
export interface BargainingSolution {
  /** The task weights β solving the bargaining equation. */
  beta: Float64Array;
  /** Iterations the solver took. */
  iterations: number;
  /**
   * max_i |β_i (Cβ)_i − 1| / max(1, β_i Σ_j |C_ij β_j|): the equation's error relative to the rounding its
   * evaluation incurs (large β with cancelling Cβ, near Pareto-stationarity, cannot do better than β² ε).
   */
  residual: number;
}

/**
 * Newton's method on φ from β = 1 (exact for orthogonal gradients). Stops when the residual is ≤ `tolerance`
 * or after `maxIterations` steps (returning the last iterate, which is finite and positive). Requires a
 * solution to exist (see {@link minNormSquared}).
 */
export function solveBargaining(
  C: Float64Array,
  K: number,
  tolerance: number,
  maxIterations: number,
): BargainingSolution {
  let beta = new Float64Array(K).fill(1);
  const phi = (b: Float64Array): number => {
    const Cb = matVec(C, b, K, K);
    let s = 0;
    for (let i = 0; i < K; i++) s += 0.5 * b[i]! * Cb[i]! - Math.log(b[i]!);
    return s;
  };
  let iterations = 0;
  let residual = Infinity;
  for (;;) {
    const Cb = matVec(C, beta, K, K);
    residual = relativeResidual(C, K, beta, Cb);
    if (iterations >= maxIterations) break;
    // Once within tolerance, one more (quadratically convergent) step usually reaches rounding level; it is
    // taken only if it lowers the residual.
    const polishing = residual <= tolerance;
    iterations++;
    const grad = Float64Array.from(Cb, (v, i) => v - 1 / beta[i]!);
    const H = C.slice();
    for (let i = 0; i < K; i++) H[i * K + i] = H[i * K + i]! + 1 / beta[i]! ** 2;
    const step = solveLinear(H, grad, K) ?? matVec(pseudoInverseSym(H, K), grad, K, K);
    // Newton direction −step; the largest t keeping β > 0 is shortened by 1% to stay strictly inside
    let t = 1;
    for (let i = 0; i < K; i++) if (step[i]! > 0) t = Math.min(t, (0.99 * beta[i]!) / step[i]!);
    let slope = 0;
    for (let i = 0; i < K; i++) slope -= grad[i]! * step[i]!;
    if (polishing) {
      // near the solution φ's decrease is below rounding, so the Armijo test is meaningless: judge by residual
      const trial = Float64Array.from(beta, (b, i) => b - t * step[i]!);
      const r = relativeResidual(C, K, trial, matVec(C, trial, K, K));
      if (r < residual) {
        beta = trial;
        residual = r;
      }
      break;
    }
    // Self-concordance: with Newton decrement λ = √(gradᵀH⁻¹grad) < 1/4 the full step stays in the domain and
    // converges quadratically (Boyd & Vandenberghe §9.6). There φ's decrease λ²/2 soon drops below φ's
    // rounding, where an Armijo test would only accept useless tiny steps, so the full step is taken directly.
    if (slope > -0.0625) {
      const trial = Float64Array.from(beta, (b, i) => b - t * step[i]!);
      // on an ill-conditioned C the residual stalls at its rounding floor; stop there instead of cycling
      if (relativeResidual(C, K, trial, matVec(C, trial, K, K)) >= residual) break;
      beta = trial;
      continue;
    }
    const f0 = phi(beta);
    let next = beta;
    for (let halvings = 0; halvings < 60; halvings++) {
      const trial = Float64Array.from(beta, (b, i) => b - t * step[i]!);
      if (phi(trial) <= f0 + 0.25 * t * slope) {
        next = trial;
        break;
      }
      t /= 2;
    }
    if (next === beta) break; // no decrease possible at working precision: β is as good as it gets
    beta = next;
  }
  return { beta, iterations, residual };
}

function relativeResidual(C: Float64Array, K: number, beta: Float64Array, Cb: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < K; i++) {
    let size = 0;
    for (let j = 0; j < K; j++) size += Math.abs(C[i * K + j]! * beta[j]!);
    worst = Math.max(worst, Math.abs(beta[i]! * Cb[i]! - 1) / Math.max(1, beta[i]! * size));
  }
  return worst;
}

/**
 * min_{w ∈ Δ} wᵀCw, the squared distance from 0 to the hull of the unit gradients. Zero exactly when some
 * non-negative combination of gradients vanishes (Pareto stationarity), which is when no bargaining solution
 * exists: φ is then unbounded below along that combination. The simplex point is `minNormOnSimplex` of
 * `@cs-dfd/gramian/linalg` (the exact solver MGDA uses).
 */
export function minNormSquared(C: Float64Array, K: number): number {
  return Math.max(0, quadForm(C, minNormOnSimplex(C, K), K));
}
