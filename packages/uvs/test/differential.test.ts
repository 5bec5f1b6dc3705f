// Differential test of both exact solvers against an independent reference, over thousands of random problems: a
// solver that is wrong on 1 problem in 750 fails here (issue #20: accepting the first feasible projection instead
// of the best gave primal -0.166 instead of -0.119 on 4 of 3,000 problems, K = 6, c = 0.42).
//
// Reference (shares no code with src): enumerate the subsets S of linearly independent sources. On S the optimum's
// tight constraints read G_SS x = t 1 - b_S with d = g0 + Σ_S x_i g_i, and either ||d - g0|| = r (regular case, a
// quadratic in t) or t = 0 inside the ball (degenerate case, the projection onto the no-conflict cone). Every
// candidate that is verified feasible (in the ball) gives a lower bound min_i <g_i, d> <= t*; every candidate with
// x >= 0 gives a dual point w = x / Σx and an upper bound F(w) >= t*; the vertices e_j give F(e_j) too. When the
// two bounds meet, t* is certified independently of the solver, and the solver's primal value must match it.
import { describe, expect, it } from 'vitest';
import { certify, solveGeneral, solveTwo, type UvsSolution } from '../src/index.js';

/** mulberry32: a small seeded generator, so every run sees the same problems. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Problem {
  G: Float64Array;
  K: number;
  c: number;
  kind: string;
}

/** Random problems: K 2..8, full-rank, rank-deficient, near-degenerate (rank-deficient + 1e-6 noise), duplicated
 * and antiparallel sources, widely different norms; c near 0, around 1, and large. */
function problems(count: number, seed: number): Problem[] {
  const rnd = generator(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const cs = [1e-4, 1e-2, 0.1, 0.3, 0.42, 0.5, 0.7, 0.9, 0.99, 1, 1.01, 1.5, 3, 10, 100, 1e4];
  const out: Problem[] = [];
  for (let n = 0; n < count; n++) {
    const K = 2 + Math.floor(rnd() * 7);
    const P = 1 + Math.floor(rnd() * 10);
    const kindRoll = rnd();
    const rows = Array.from({ length: K }, () => Array.from({ length: P }, gauss));
    let kind = 'random';
    if (kindRoll < 0.25) {
      kind = 'rank-deficient';
      const k = 1 + Math.floor(rnd() * (K - 1));
      for (let i = k; i < K; i++) {
        const coef = Array.from({ length: k }, gauss);
        rows[i] = rows[0]!.map((_, p) => coef.reduce((s, cf, j) => s + cf * rows[j]![p]!, 0));
      }
    } else if (kindRoll < 0.45) {
      kind = 'near-degenerate';
      const k = 1 + Math.floor(rnd() * (K - 1));
      for (let i = k; i < K; i++) {
        const coef = Array.from({ length: k }, gauss);
        rows[i] = rows[0]!.map(
          (_, p) => coef.reduce((s, cf, j) => s + cf * rows[j]![p]!, 0) + 1e-6 * gauss(),
        );
      }
    } else if (kindRoll < 0.55) {
      kind = 'duplicate/antiparallel';
      const i = 1 + Math.floor(rnd() * (K - 1));
      const s = rnd() < 0.5 ? 1 : -(0.2 + rnd());
      rows[i] = rows[0]!.map((v) => s * v);
    } else if (kindRoll < 0.65) {
      kind = 'scaled';
      for (const row of rows) {
        const s = 10 ** (-3 + 4 * rnd());
        for (let p = 0; p < P; p++) row[p] = row[p]! * s;
      }
    }
    const G = new Float64Array(K * K);
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        let s = 0;
        for (let p = 0; p < P; p++) s += rows[i]![p]! * rows[j]![p]!;
        G[i * K + j] = s;
      }
    }
    const c = rnd() < 0.7 ? cs[Math.floor(rnd() * cs.length)]! : 10 ** (-3 + 5 * rnd());
    out.push({ G, K, c, kind });
  }
  return out;
}

/** Solves the SPD system A y = rhs (m×m, Cholesky); null when a pivot is below 1e-15 of the diagonal. An
 * ill-conditioned solve can only give a poor candidate, never a wrong bound: every candidate is verified. */
function choleskySolve(A: Float64Array, m: number, rhs: Float64Array[]): Float64Array[] | null {
  const Lc = new Float64Array(m * m);
  let diag = 0;
  for (let i = 0; i < m; i++) diag = Math.max(diag, A[i * m + i]!);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * m + j]!;
      for (let k = 0; k < j; k++) s -= Lc[i * m + k]! * Lc[j * m + k]!;
      if (i === j) {
        if (!(s > 1e-15 * diag)) return null;
        Lc[i * m + i] = Math.sqrt(s);
      } else Lc[i * m + j] = s / Lc[j * m + j]!;
    }
  }
  return rhs.map((v) => {
    const y = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = v[i]!;
      for (let k = 0; k < i; k++) s -= Lc[i * m + k]! * y[k]!;
      y[i] = s / Lc[i * m + i]!;
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < m; k++) s -= Lc[k * m + i]! * y[k]!;
      y[i] = s / Lc[i * m + i]!;
    }
    return y;
  });
}

interface Bounds {
  lower: number;
  upper: number;
}

/** Independent bounds lower <= t* <= upper by active-set enumeration (see the file comment). */
function referenceBounds(G: Float64Array, K: number, c: number): Bounds {
  const b = new Float64Array(K);
  let g0sq = 0;
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += G[i * K + j]!;
    b[i] = s / K;
    g0sq += s / (K * K);
  }
  const r = c * Math.sqrt(Math.max(0, g0sq));
  const dual = (w: ArrayLike<number>) => {
    let lin = 0;
    let q = 0;
    for (let i = 0; i < K; i++) {
      lin += w[i]! * b[i]!;
      for (let j = 0; j < K; j++) q += w[i]! * G[i * K + j]! * w[j]!;
    }
    return lin + r * Math.sqrt(Math.max(0, q));
  };
  let upper = Infinity;
  for (let j = 0; j < K; j++) upper = Math.min(upper, b[j]! + r * Math.sqrt(G[j * K + j]!));
  let lower = Math.min(...b); // d = g0
  // candidate d = g0 + Σ x_i g_i (x over all K): value min_i (b + G x)_i if inside the ball
  const tryPoint = (x: Float64Array) => {
    let moved = 0;
    let value = Infinity;
    for (let i = 0; i < K; i++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += G[i * K + j]! * x[j]!;
      moved += x[i]! * s;
      value = Math.min(value, b[i]! + s);
    }
    moved = Math.sqrt(Math.max(0, moved));
    // a hair outside the ball (rounding of the quadratic): shrink x onto it; the value moves by O(hair)
    if (moved > r) {
      if (moved > r * (1 + 1e-9)) return;
      for (let i = 0; i < K; i++) x[i] = (x[i]! * r) / moved;
      value = Infinity;
      for (let i = 0; i < K; i++) {
        let s = b[i]!;
        for (let j = 0; j < K; j++) s += G[i * K + j]! * x[j]!;
        value = Math.min(value, s);
      }
    }
    lower = Math.max(lower, value);
  };
  for (let mask = 1; mask < 1 << K; mask++) {
    const S: number[] = [];
    for (let i = 0; i < K; i++) if (mask & (1 << i)) S.push(i);
    const m = S.length;
    const A = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let e = 0; e < m; e++) A[a * m + e] = G[S[a]! * K + S[e]!]!;
    const sol = choleskySolve(A, m, [Float64Array.from(S, () => 1), Float64Array.from(S, (i) => b[i]!)]);
    if (sol === null) continue;
    const [p, q] = sol as [Float64Array, Float64Array];
    // x(t) = t p - q; ||Σ x g||² = xᵀ A x = t² α - 2 t β + γ with α = 1ᵀp, β = 1ᵀq, γ = b_Sᵀ q
    let alpha = 0;
    let beta = 0;
    let gamma = 0;
    for (let a = 0; a < m; a++) {
      alpha += p[a]!;
      beta += q[a]!;
      gamma += b[S[a]!]! * q[a]!;
    }
    const levels: number[] = [0]; // the degenerate case: t = 0 inside the ball
    const disc = beta * beta - alpha * (gamma - r * r);
    if (alpha > 0 && disc >= 0)
      levels.push((beta + Math.sqrt(disc)) / alpha, (beta - Math.sqrt(disc)) / alpha);
    for (const t of levels) {
      const x = new Float64Array(K);
      let sum = 0;
      let nonNegative = true;
      S.forEach((i, a) => {
        x[i] = t * p[a]! - q[a]!;
        sum += x[i]!;
        if (x[i]! < 0) nonNegative = false;
      });
      if (nonNegative && sum > 0) upper = Math.min(upper, dual(x.map((v) => v / sum)));
      tryPoint(x);
    }
  }
  return { lower, upper };
}

const problemSet = problems(5000, 20261207);
// computed once for both solvers
const references = new Map<Problem, Bounds>(problemSet.map((p) => [p, referenceBounds(p.G, p.K, p.c)]));

/** The unit of t: the largest ||g_i||² times (1 + c), the size of <g_i, d> for d in the ball. */
const unitOf = (G: Float64Array, K: number, c: number) => {
  let m = 0;
  for (let i = 0; i < K; i++) m = Math.max(m, G[i * K + i]!);
  return m * (1 + c);
};

function check(
  solve: (p: Problem) => UvsSolution,
  subset: Problem[],
): { certified: number; failures: string[] } {
  let certified = 0;
  const failures: string[] = [];
  for (const pr of subset) {
    const { G, K, c } = pr;
    const sol = solve(pr);
    const cert = certify(G, K, c, sol);
    const { lower, upper } = references.get(pr)!;
    const unit = unitOf(G, K, c);
    // 1e-6: near the degenerate case a hull point with ||g_w|| below DEGENERATE_NORM (1e-7) of the largest gradient
    // counts as 0 (README, "Numerical resolution"), which moves t* by up to about c ||g0|| 1e-7 max||g_i||; a wrong
    // active set (issue #20's failing case) misses by 1e-2 of the unit.
    const tol = 1e-6 * unit;
    if (upper - lower <= tol) certified++;
    const problems: string[] = [];
    if (!(cert.radius <= c * (1 + 1e-7) + 1e-12)) problems.push(`radius ${cert.radius} > c`);
    if (!(cert.primal >= lower - tol)) problems.push(`primal ${cert.primal} below the reference's ${lower}`);
    if (!(cert.primal <= upper + tol)) problems.push(`primal ${cert.primal} above the reference's ${upper}`);
    if (!(cert.dual >= lower - tol)) problems.push(`dual ${cert.dual} below the reference's ${lower}`);
    if (upper - lower <= tol && !(cert.dual <= upper + tol))
      problems.push(`dual ${cert.dual} above the reference's ${upper}`);
    if (problems.length > 0) {
      failures.push(
        `K = ${K}, c = ${c}, ${pr.kind}, G = [${Array.from(G).join(', ')}]: ${problems.join('; ')}`,
      );
    }
  }
  return { certified, failures };
}

describe('differential test against active-set enumeration (5,000 problems, K 2..8)', () => {
  it('the general solver attains the certified optimum on every problem', () => {
    const { certified, failures } = check((p) => solveGeneral(p.G, p.K, p.c), problemSet);
    expect(failures.slice(0, 5)).toEqual([]);
    // The reference pins t* (its bounds meet) on most problems, so the check above has teeth; the rest are the
    // degenerate ones (0 in the hull), whose dual optimum needs a singular subset the enumeration skips.
    expect(certified).toBeGreaterThan(0.85 * problemSet.length);
  });

  it('the K = 2 closed form attains the certified optimum on every K = 2 problem', () => {
    const two = problemSet.filter((p) => p.K === 2);
    expect(two.length).toBeGreaterThan(500);
    const { certified, failures } = check((p) => solveTwo(p.G, p.c), two);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(certified).toBeGreaterThan(0.85 * two.length);
  });
});
