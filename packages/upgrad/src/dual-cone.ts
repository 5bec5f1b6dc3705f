/**
 * Projection onto the dual cone of the task gradients, in Gram space. For d = Σ u_i g_i, the closest vector
 * to d having <g_i, ·> ≥ 0 for every task is Σ v_i g_i with
 *   v = argmin_{v ≥ u} vᵀ G v                                  (Quinton & Rey 2024, Proposition 1)
 * KKT: v ≥ u, Gv ≥ 0, (v − u)_i (Gv)_i = 0.
 */
import { gramFactor, matVec, nnls, pseudoInverseSym, solveLinear } from '@cs-dfd/gramian/linalg';

/** Weights of the projection and how well they satisfy the KKT conditions. */
export interface DualConeProjection {
  /** v with Σ v_i g_i the projection of Σ u_i g_i onto the dual cone. */
  weights: Float64Array;
  /**
   * max_i max(−<ĝ_i, d>, |x_i <ĝ_i, d>|/s) / s with ĝ_i = g_i/||g_i||, x = ||g||∘(v − u),
   * s = max_i ||g_i|| |u_i|: 0 at the exact projection, scale-free.
   */
  kktResidual: number;
}

/**
 * Solves min vᵀGv s.t. v ≥ u exactly. Zero gradients (G_ii = 0) keep v_i = u_i: they add nothing to d. The
 * others are solved in unit-diagonal scaling y_i = ||g_i|| v_i (G becomes the cosine matrix C, so gradient norms
 * that differ by orders of magnitude do not hurt): with x = y − b ≥ 0, b_i = ||g_i|| u_i, and FᵀF = C this is
 * the non-negative least squares min_{x ≥ 0} ||F x + F b||² (Lawson–Hanson, `nnls`), whose free set is then
 * polished by a pivoted solve of C_FF y_F = −C_FA b_A (pseudo-inverse when C_FF is singular; kept only when it is feasible and lowers the KKT residual).
 */
export function projectToDualCone(G: ArrayLike<number>, K: number, u: ArrayLike<number>): DualConeProjection {
  const v = Float64Array.from(u);
  const idx: number[] = [];
  for (let i = 0; i < K; i++) if (G[i * K + i]! > 0) idx.push(i);
  const m = idx.length;
  if (m === 0) return { weights: v, kktResidual: 0 };
  const norms = idx.map((i) => Math.sqrt(G[i * K + i]!));
  const C = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let c = 0; c < m; c++) C[a * m + c] = G[idx[a]! * K + idx[c]!]! / (norms[a]! * norms[c]!);
    C[a * m + a] = 1;
  }
  const b = Float64Array.from(idx, (i, a) => norms[a]! * u[i]!);
  const scale = Math.max(...b.map(Math.abs));
  if (scale === 0) return { weights: v, kktResidual: 0 };
  const bs = b.map((x) => x / scale);
  const F = gramFactor(C, m);
  const rhs = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let c = 0; c < m; c++) s += F[r * m + c]! * bs[c]!;
    rhs[r] = -s;
  }
  let x = nnls(F, rhs, m, m);
  let residual = scaledResidual(C, m, bs, x);
  const polished = polishFreeSet(C, m, bs, x);
  if (polished !== null) {
    const r = scaledResidual(C, m, bs, polished);
    if (r < residual) {
      x = polished;
      residual = r;
    }
  }
  for (let a = 0; a < m; a++) v[idx[a]!] = ((x[a]! + bs[a]!) * scale) / norms[a]!;
  return { weights: v, kktResidual: residual };
}

/** KKT residual of y = x + b for min yᵀCy s.t. x ≥ 0, with b scaled to max |b_i| = 1. */
function scaledResidual(C: Float64Array, m: number, b: Float64Array, x: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += C[i * m + j]! * (x[j]! + b[j]!);
    worst = Math.max(worst, -s, Math.abs(x[i]! * s), -x[i]!);
  }
  return worst;
}

function polishFreeSet(C: Float64Array, m: number, b: Float64Array, x: Float64Array): Float64Array | null {
  const free: number[] = [];
  for (let i = 0; i < m; i++) if (x[i]! > 0) free.push(i);
  const f = free.length;
  if (f === 0) return null;
  const A = new Float64Array(f * f);
  const rhs = new Float64Array(f);
  for (let a = 0; a < f; a++) {
    let s = 0;
    for (let j = 0; j < m; j++) if (!(x[j]! > 0)) s += C[free[a]! * m + j]! * b[j]!;
    rhs[a] = -s;
    for (let c = 0; c < f; c++) A[a * f + c] = C[free[a]! * m + free[c]!]!;
  }
  // singular C_FF (collinear free gradients): any solution will do, the minimum-norm one is the stable choice
  const yF = solveLinear(A, rhs, f) ?? matVec(pseudoInverseSym(A, f, 1e-12), rhs, f, f);
  const out = new Float64Array(m);
  for (let a = 0; a < f; a++) {
    const xi = yF[a]! - b[free[a]!]!;
    if (!(xi >= 0) || !Number.isFinite(xi)) return null;
    out[free[a]!] = xi;
  }
  return out;
}
