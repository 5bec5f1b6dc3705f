/**
 * Non-negative least squares, min ||C x − d||² subject to x ≥ 0: Lawson–Hanson's active-set method with each
 * passive-set least-squares problem solved by Householder QR with column pivoting on the passive columns.
 *
 * Why QR rather than the normal equations: CᵀC squares the condition number, so two nearly collinear columns
 * (cos = 1 − 1e-10, κ(C) ≈ 1e5) give κ(CᵀC) ≈ 1e10 and lose ten of sixteen digits before the solve starts; a
 * pseudo-inverse of CᵀC then has to guess which small eigenvalues are noise. Householder QR works on C itself
 * (backward stable, errors of order κ(C)·ε), and the pivoted R shows directly how much of a column is independent
 * of the others. Cholesky of CᵀC would be cheaper but has the same squaring, and K ≤ ~32 makes the cost irrelevant.
 *
 * Rank: Lawson and Hanson (Solving Least Squares Problems, 1974, ch. 23) only let a column enter the passive set if
 * it is numerically independent of the columns already there. Here a column is dependent when the part of it that
 * the other passive columns do not explain, |R_jj|, is at most {@link NNLS_RANK_RTOL} of its own norm (a
 * per-column test, so a column of norm 1e-8 beside one of norm 1e8 still counts as independent). A dependent
 * entering column is put back and barred until the next successful entry: it cannot lower the objective, and
 * letting it in would cycle.
 */
import { GramianError } from './errors.js';

/** Relative size of a column's independent part below which it counts as a combination of the passive columns. */
export const NNLS_RANK_RTOL = 1e-12;

/** Relative tolerance of the KKT test on w = Cᵀ(d − C x) (see {@link nnls}). */
export const NNLS_KKT_RTOL = 1e-13;

/** The solution of one passive-set least-squares problem. */
interface PassiveSolve {
  /** z over the passive columns, in `cols` order (0 for columns QR found dependent). */
  z: Float64Array;
  /** Whether every passive column was numerically independent. */
  fullRank: boolean;
}

/**
 * min ||C_P z − d|| over the columns `cols` of row-major m×n C, by Householder QR with column pivoting
 * (Businger–Golub): at step j the remaining column with the largest residual norm is moved to position j and
 * reflected onto e_j. Columns whose residual norm is at most NNLS_RANK_RTOL of their own norm are left at 0.
 */
function passiveLeastSquares(
  C: ArrayLike<number>,
  d: ArrayLike<number>,
  m: number,
  n: number,
  cols: readonly number[],
): PassiveSolve {
  const k = cols.length;
  // column-major copy of the passive columns: a[c * m + i]
  const a = new Float64Array(k * m);
  const norms = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let i = 0; i < m; i++) {
      const v = C[i * n + cols[c]!]!;
      a[c * m + i] = v;
      s += v * v;
    }
    norms[c] = Math.sqrt(s);
  }
  const b = Float64Array.from(d);
  const perm = Array.from({ length: k }, (_, c) => c);
  const rdiag = new Float64Array(k);
  const steps = Math.min(m, k);
  let rank = 0;
  for (let j = 0; j < steps; j++) {
    // pivot: the remaining column with the largest norm in rows j..m-1, measured relative to its own norm
    let piv = -1;
    let best = -1;
    let bestNorm = 0;
    for (let c = j; c < k; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += a[c * m + i]! ** 2;
      const rel = norms[perm[c]!]! > 0 ? Math.sqrt(s) / norms[perm[c]!]! : 0;
      if (rel > best) {
        best = rel;
        piv = c;
        bestNorm = Math.sqrt(s);
      }
    }
    if (!(best > NNLS_RANK_RTOL)) break;
    if (piv !== j) {
      for (let i = 0; i < m; i++) {
        const t = a[j * m + i]!;
        a[j * m + i] = a[piv * m + i]!;
        a[piv * m + i] = t;
      }
      const t = perm[j]!;
      perm[j] = perm[piv]!;
      perm[piv] = t;
    }
    // Householder reflector H = I − 2 v vᵀ / (vᵀv) mapping a[j..m-1, j] to alpha e_j; alpha's sign avoids cancellation
    const head = a[j * m + j]!;
    const alpha = head > 0 ? -bestNorm : bestNorm;
    a[j * m + j] = head - alpha; // v = x − alpha e_j, stored in place
    let vv = 0;
    for (let i = j; i < m; i++) vv += a[j * m + i]! ** 2;
    const reflect = (x: Float64Array, offset: number) => {
      let s = 0;
      for (let i = j; i < m; i++) s += a[j * m + i]! * x[offset + i]!;
      const f = (2 * s) / vv;
      for (let i = j; i < m; i++) x[offset + i] = x[offset + i]! - f * a[j * m + i]!;
    };
    if (vv > 0) {
      for (let c = j + 1; c < k; c++) reflect(a, c * m);
      reflect(b, 0);
    }
    rdiag[j] = alpha;
    rank = j + 1;
  }
  // back substitution R[0..r) z = (Qᵀ d)[0..r); R's strict upper part is a[c*m + i] for i < c
  const zp = new Float64Array(k);
  for (let i = rank - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let c = i + 1; c < rank; c++) s -= a[c * m + i]! * zp[c]!;
    zp[i] = s / rdiag[i]!;
  }
  const z = new Float64Array(k);
  for (let c = 0; c < k; c++) z[perm[c]!] = zp[c]!;
  return { z, fullRank: rank === k };
}

function checkInput(C: ArrayLike<number>, d: ArrayLike<number>, m: number, n: number): void {
  if (!(Number.isInteger(m) && m >= 1 && Number.isInteger(n) && n >= 1)) {
    throw new GramianError('shape', `nnls: m and n must be integers >= 1, got m = ${m}, n = ${n}`);
  }
  if (C.length !== m * n || d.length !== m) {
    throw new GramianError(
      'shape',
      `nnls: C must have m·n = ${m * n} entries and d m = ${m}, got ${C.length} and ${d.length}`,
    );
  }
  for (let e = 0; e < m * n; e++) {
    if (!Number.isFinite(C[e]!)) {
      throw new GramianError('non-finite', `nnls: C[${Math.floor(e / n)}][${e % n}] is ${C[e]}`);
    }
  }
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(d[i]!)) throw new GramianError('non-finite', `nnls: d[${i}] is ${d[i]}`);
  }
}

/**
 * Non-negative least squares, min ||C x − d||² s.t. x ≥ 0 (Lawson–Hanson active set; passive sets solved by
 * pivoted Householder QR, see the module comment). C is row-major m×n. On return the KKT conditions hold up to
 * rounding: x ≥ 0, w = Cᵀ(d − C x) ≤ tol where x = 0 and |w| ≤ tol where x > 0, with
 * tol_j = 1e-13 · ‖C_j‖ · (Σ_k ‖C_k‖ x_k + max|d_i|). Rank-deficient C (zero, repeated or collinear columns) gives a
 * finite minimiser (one of them). Throws `GramianError` (`shape`, `non-finite`) for bad input.
 */
export function nnls(
  C: ArrayLike<number>,
  d: ArrayLike<number>,
  m: number,
  n: number,
  maxIter = 30 * n + 30,
): Float64Array {
  checkInput(C, d, m, n);
  const x = new Float64Array(n);
  const passive = new Array<boolean>(n).fill(false);
  const barred = new Array<boolean>(n).fill(false);
  const cnorm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += C[i * n + j]! ** 2;
    cnorm[j] = Math.sqrt(s);
  }
  let dscale = 0;
  for (let i = 0; i < m; i++) dscale = Math.max(dscale, Math.abs(d[i]!));
  // Stopping tolerance on w_j = C_jᵀ(d − C x), the rounding scale of computing it: ε-ish · ‖C_j‖ · (Σ_k ‖C_k‖ x_k +
  // |d|), recomputed as x grows. Per column: a column of norm 1e-3 beside one of 1e3 has gradients 1e6 times
  // smaller, and one tolerance for all (‖C‖_max²·x_max) stopped with such a column's objective decrease left on the
  // table (issue #20's differential test: up to 20% of the objective). It scales with C and with d, so
  // nnls(C, s·d) = s·nnls(C, d) and nnls(s·C, d) = nnls(C, d)/s up to rounding.
  const tolerance = (j: number) => {
    let cx = 0;
    for (let k = 0; k < n; k++) cx += cnorm[k]! * x[k]!;
    return NNLS_KKT_RTOL * cnorm[j]! * (cx + dscale);
  };
  const gradient = () => {
    // w = Cᵀ (d − C x)
    const r = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = d[i]!;
      for (let j = 0; j < n; j++) s -= C[i * n + j]! * x[j]!;
      r[i] = s;
    }
    const w = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += C[i * n + j]! * r[i]!;
      w[j] = s;
    }
    return w;
  };
  const solve = () => {
    const cols = passive.flatMap((p, j) => (p ? [j] : []));
    const { z, fullRank } = passiveLeastSquares(C, d, m, n, cols);
    const full = new Float64Array(n);
    cols.forEach((j, c) => {
      full[j] = z[c]!;
    });
    return { z: full, fullRank };
  };

  for (let iter = 0; iter < maxIter; iter++) {
    const w = gradient();
    // the entering column: the largest gradient relative to its column's norm (scale-free), above its tolerance
    let enter = -1;
    let most = 0;
    for (let j = 0; j < n; j++) {
      if (!passive[j] && !barred[j] && w[j]! > tolerance(j) && w[j]! / cnorm[j]! > most) {
        most = w[j]! / cnorm[j]!;
        enter = j;
      }
    }
    if (enter < 0) break;
    passive[enter] = true;
    let first = true;
    for (let inner = 0; inner < n + 1; inner++) {
      const { z, fullRank } = solve();
      if (first && (!fullRank || !(z[enter]! > 0))) {
        // The entering column is (numerically) a combination of the passive ones, or rounding gave it z ≤ 0 although
        // w_enter > 0 (Lawson–Hanson's safeguard): it cannot lower the objective now, so it waits for another entry.
        passive[enter] = false;
        barred[enter] = true;
        break;
      }
      if (first) barred.fill(false);
      first = false;
      let feasible = true;
      for (let j = 0; j < n; j++) if (passive[j] && !(z[j]! > 0)) feasible = false;
      if (feasible) {
        x.set(z);
        break;
      }
      // step from x towards z until the first passive coordinate reaches 0; it (and any other at 0) leaves
      let alpha = 1;
      let limit = -1;
      for (let j = 0; j < n; j++) {
        if (passive[j] && !(z[j]! > 0)) {
          const denom = x[j]! - z[j]!;
          const a = denom > 0 ? x[j]! / denom : 0;
          if (limit < 0 || a < alpha) {
            alpha = a;
            limit = j;
          }
        }
      }
      for (let j = 0; j < n; j++) {
        if (!passive[j]) continue;
        x[j] = x[j]! + alpha * (z[j]! - x[j]!);
        if (j === limit || x[j]! <= 0) {
          passive[j] = false;
          x[j] = 0;
        }
      }
    }
  }
  return x;
}
