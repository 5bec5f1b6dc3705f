/**
 * Small dense float64 linear algebra for K×K problems (K ≤ ~32), shared by every weighting so that each method
 * solves its K-sized problem the same, tested way. Matrices are row-major Float64Arrays.
 */
import { nnls } from './nnls.js';

export { NNLS_KKT_RTOL, NNLS_RANK_RTOL, nnls } from './nnls.js';

/** Eigen-decomposition of a symmetric matrix. `values` ascending; `vectors` column j is the eigenvector of values[j]. */
export interface SymmetricEigen {
  values: Float64Array;
  /** row-major n×n; column j is the unit eigenvector for values[j] */
  vectors: Float64Array;
}

/** Cyclic Jacobi eigen-decomposition: accurate to machine precision for symmetric input, O(n³) per sweep. */
export function symmetricEigen(A: ArrayLike<number>, n: number): SymmetricEigen {
  const a = Float64Array.from(A as ArrayLike<number>);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i]! * a[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += a[i * n + j]! * a[i * n + j]!;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i]! - a[j * n + j]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/** Relative eigenvalue cut below which a Gram matrix direction counts as zero. */
export const DEFAULT_RCOND = 1e-12;

/** float32 machine epsilon, 2⁻²³. */
export const FLOAT32_EPSILON = 2 ** -23;

/**
 * K · 2⁻²³: the pseudo-inverse cut `torch.linalg.pinv` uses on a float32 K×K matrix by default (its rtol is
 * max(m, n) · eps). G is accumulated in float32 on the tensor backend, so relative eigenvalues below this are
 * noise; IMTL-G and Aligned-MTL cut them (the float64 {@link DEFAULT_RCOND} would keep them, amplified by 1/λ).
 */
export function float32Rcond(K: number): number {
  return K * FLOAT32_EPSILON;
}

/** Moore–Penrose pseudo-inverse of a symmetric PSD matrix (eigenvalues below rcond·λ_max are dropped). */
export function pseudoInverseSym(A: ArrayLike<number>, n: number, rcond = DEFAULT_RCOND): Float64Array {
  const { values, vectors } = symmetricEigen(A, n);
  const lmax = Math.max(0, ...values);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const l = values[k]!;
    if (l <= rcond * lmax || l <= 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k]! / l;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + vik * vectors[j * n + k]!;
    }
  }
  return out;
}

/**
 * A factor J (n×n, row-major) with JᵀJ = G for a symmetric PSD G (negative rounding eigenvalues clamped to 0):
 * turns Gram-space quadratics ||Σ w_i g_i||² into least squares ||J w||².
 */
export function gramFactor(G: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(G, n);
  const J = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt(Math.max(0, values[k]!));
    for (let j = 0; j < n; j++) J[k * n + j] = s * vectors[j * n + k]!;
  }
  return J;
}

/** y = A x for row-major m×n A. */
export function matVec(A: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** xᵀ A x for symmetric n×n A. */
export function quadForm(A: ArrayLike<number>, x: ArrayLike<number>, n: number): number {
  let q = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j]! * x[j]!;
    q += x[i]! * s;
  }
  return q;
}

/** Dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Solves A x = b for symmetric A by Gaussian elimination with partial pivoting on a copy; returns null when A is
 * singular to working precision.
 */
export function solveLinear(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | null {
  const a = Float64Array.from(A as ArrayLike<number>);
  const x = Float64Array.from(b as ArrayLike<number>);
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[piv * n + c]!)) piv = r;
    if (Math.abs(a[piv * n + c]!) <= 1e-14 * scale || scale === 0) return null;
    if (piv !== c) {
      for (let k = 0; k < n; k++) {
        const t = a[c * n + k]!;
        a[c * n + k] = a[piv * n + k]!;
        a[piv * n + k] = t;
      }
      const t = x[c]!;
      x[c] = x[piv]!;
      x[piv] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / a[c * n + c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] = a[r * n + k]! - f * a[c * n + k]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * x[k]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}

/**
 * The min-norm point of the convex hull of K vectors, in Gram space: w⋆ = argmin_{w ∈ Δ} wᵀ G w (Δ the
 * probability simplex; MGDA's common descent direction, Nash-MTL's Pareto-stationarity test). Exact solve by a reduction to non-negative least squares: with F a factor of G (FᵀF = G),
 *   x⋆ = argmin_{x ≥ 0} ||F x||² + (1ᵀx − 1)²
 * equals w⋆/(1 + q⋆) where q⋆ = w⋆ᵀ G w⋆: for x = τ w (w ∈ Δ) the objective is τ² q(w) + (τ − 1)², minimised
 * over τ at q(w)/(1 + q(w)), which increases with q(w). So w⋆ = x⋆/Σ x⋆, found by Lawson–Hanson's finite
 * active-set method. G is first scaled to unit max-diagonal (w⋆ does not change) so that q⋆ ≤ 1 and the
 * simplex row is as heavy as the Gram rows.
 */
export function minNormOnSimplex(G: ArrayLike<number>, K: number): Float64Array {
  const scale = maxDiagonal(G, K);
  if (scale === 0) return new Float64Array(K).fill(1 / K);
  const Gs = Float64Array.from(G, (v) => v / scale);
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
  return polishOnSupport(Gs, K, weights);
}

/**
 * Lawson–Hanson finds the optimal support reliably, but it solves the reduction through a factor of G whose
 * eigen-decomposition carries an absolute error of about ε·max G_ii, which swamps the small gradients when the norms
 * differ by orders of magnitude. On the support S the optimum solves the bordered KKT system [G_SS 1; 1ᵀ 0][w; −λ] = [0; 1]
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
 * First-order optimality of w for min wᵀGw on Δ, relative to max_i G_ii: with λ = wᵀGw and r = Gw − λ1 the
 * KKT conditions are r ≥ 0 and w_i r_i = 0; returns max_i max(−r_i, |w_i r_i|) / max_i G_ii (0 for G = 0).
 */
export function minNormKktResidual(G: ArrayLike<number>, K: number, w: ArrayLike<number>): number {
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

function maxDiagonal(G: ArrayLike<number>, K: number): number {
  let m = 0;
  for (let i = 0; i < K; i++) m = Math.max(m, G[i * K + i]!);
  return m;
}
