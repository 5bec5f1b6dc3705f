// nnls: KKT conditions, the objective against a brute-force enumeration of every active set, ill-conditioned
// (nearly collinear) columns, rank deficiency, and typed errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GramianError } from '../src/index.js';
import { nnls } from '../src/linalg.js';

interface Problem {
  A: Float64Array;
  b: Float64Array;
  m: number;
  n: number;
}

/** Tiny draws become exact zeros so that products stay out of the subnormal range. */
const entry = fc.double({ min: -10, max: 10, noNaN: true }).map((v) => (Math.abs(v) < 1e-6 ? 0 : v));

/** Random A (m×n, m ≥ 1) and b; columns scaled by 10^s with s in [-3, 3] so column norms differ. */
const problems = (maxN: number): fc.Arbitrary<Problem> =>
  fc
    .record({ m: fc.integer({ min: 1, max: 8 }), n: fc.integer({ min: 1, max: maxN }) })
    .chain(({ m, n }) =>
      fc.record({
        m: fc.constant(m),
        n: fc.constant(n),
        A: fc.array(entry, { minLength: m * n, maxLength: m * n }),
        b: fc.array(entry, { minLength: m, maxLength: m }),
        scales: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: n, maxLength: n }),
      }),
    )
    .map(({ m, n, A, b, scales }) => ({
      m,
      n,
      A: Float64Array.from(A, (v, e) => v * 10 ** scales[e % n]!),
      b: Float64Array.from(b),
    }));

/**
 * Nearly collinear columns: column j = u + δ_j v_j with δ_j in [1e-9, 1e-4] (κ(A) up to ~1e9, κ(AᵀA) ~1e18, past
 * what the normal equations survive), plus some independent columns.
 */
const illConditioned: fc.Arbitrary<Problem> = fc
  .record({
    m: fc.integer({ min: 3, max: 8 }),
    near: fc.integer({ min: 2, max: 4 }),
    extra: fc.integer({ min: 0, max: 2 }),
  })
  .chain(({ m, near, extra }) =>
    fc.record({
      m: fc.constant(m),
      near: fc.constant(near),
      extra: fc.constant(extra),
      u: fc.array(entry, { minLength: m, maxLength: m }),
      vs: fc.array(fc.array(entry, { minLength: m, maxLength: m }), { minLength: near, maxLength: near }),
      deltas: fc.array(fc.integer({ min: 4, max: 9 }), { minLength: near, maxLength: near }),
      others: fc.array(fc.array(entry, { minLength: m, maxLength: m }), {
        minLength: extra,
        maxLength: extra,
      }),
      b: fc.array(entry, { minLength: m, maxLength: m }),
    }),
  )
  .filter(({ u }) => Math.hypot(...u) > 1)
  .map(({ m, near, extra, u, vs, deltas, others, b }) => {
    const n = near + extra;
    const A = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < near; j++) A[i * n + j] = u[i]! + 10 ** -deltas[j]! * vs[j]![i]!;
      for (let j = 0; j < extra; j++) A[i * n + near + j] = others[j]![i]!;
    }
    return { m, n, A, b: Float64Array.from(b) };
  });

function residual({ A, b, m, n }: Problem, x: ArrayLike<number>): Float64Array {
  const r = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let j = 0; j < n; j++) s -= A[i * n + j]! * x[j]!;
    r[i] = s;
  }
  return r;
}

const objective = (p: Problem, x: ArrayLike<number>) => residual(p, x).reduce((s, v) => s + v * v, 0);

/** w = Aᵀ(b − Ax): the negative gradient of ½‖Ax − b‖². */
function kktGradient(p: Problem, x: ArrayLike<number>): Float64Array {
  const r = residual(p, x);
  const w = new Float64Array(p.n);
  for (let j = 0; j < p.n; j++) for (let i = 0; i < p.m; i++) w[j] = w[j]! + p.A[i * p.n + j]! * r[i]!;
  return w;
}

/** Rounding scale of w: ε·‖A‖·(‖A‖·‖x‖ + ‖b‖) in Frobenius / 2-norms. */
function wScale(p: Problem, x: ArrayLike<number>): number {
  const a = Math.hypot(...p.A);
  return a * (a * Math.hypot(...Array.from(x)) + Math.hypot(...p.b)) + 1e-300;
}

function expectKkt(p: Problem, x: Float64Array, rel: number) {
  expect(x.every(Number.isFinite)).toBe(true);
  expect(x.every((v) => v >= 0)).toBe(true);
  const w = kktGradient(p, x);
  const tol = rel * wScale(p, x);
  for (let j = 0; j < p.n; j++) {
    if (x[j] === 0) expect(w[j]!, `w[${j}] at x = 0`).toBeLessThanOrEqual(tol);
    else expect(Math.abs(w[j]!), `|w[${j}]| at x = ${x[j]}`).toBeLessThanOrEqual(tol);
  }
}

/**
 * Brute force, independent of the solver: for every subset S of the columns, the unconstrained least squares on
 * S by the normal equations with Gauss–Jordan elimination (fine for the well-conditioned random problems used
 * here); keep it when it is ≥ 0; the smallest objective over the feasible ones is the NNLS optimum (the optimum's
 * support S* gives exactly such a point).
 */
function bruteForce(p: Problem): number {
  let best = objective(p, new Float64Array(p.n));
  for (let mask = 1; mask < 1 << p.n; mask++) {
    const S = Array.from({ length: p.n }, (_, j) => j).filter((j) => mask & (1 << j));
    const k = S.length;
    const M = Array.from({ length: k }, (_, a) =>
      Array.from({ length: k + 1 }, (_, c) => {
        let s = 0;
        for (let i = 0; i < p.m; i++) s += p.A[i * p.n + S[a]!]! * (c < k ? p.A[i * p.n + S[c]!]! : p.b[i]!);
        return s;
      }),
    );
    let singular = false;
    // Singular relative to each column's own squared norm, not the first one's: a column 1e5 times shorter than
    // another is not dependent on it (a CI run drew exactly that, and this enumeration then missed the optimum).
    const diag = M.map((row, a) => row[a]!);
    for (let c = 0; c < k && !singular; c++) {
      let piv = c;
      for (let r = c + 1; r < k; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
      if (Math.abs(M[piv]![c]!) < 1e-9 * Math.max(1e-300, diag[c]!)) singular = true;
      [M[c], M[piv]] = [M[piv]!, M[c]!];
      for (let r = 0; r < k; r++) {
        if (r === c) continue;
        const f = M[r]![c]! / M[c]![c]!;
        for (let q = c; q <= k; q++) M[r]![q] = M[r]![q]! - f * M[c]![q]!;
      }
    }
    if (singular) continue;
    const x = new Float64Array(p.n);
    S.forEach((j, a) => {
      x[j] = M[a]![k]! / M[a]![a]!;
    });
    if (x.every((v) => v >= 0)) best = Math.min(best, objective(p, x));
  }
  return best;
}

describe('nnls: KKT conditions', () => {
  it('x ≥ 0, w ≤ tol where x = 0, |w| ≤ tol where x > 0 (random problems, columns scaled 1e-3..1e3)', () => {
    fc.assert(
      fc.property(problems(8), (p) => expectKkt(p, nnls(p.A, p.b, p.m, p.n), 1e-12)),
      { numRuns: 400 },
    );
  });

  it('ill-conditioned A (nearly collinear columns, κ up to ~1e9) still meets KKT', () => {
    fc.assert(
      fc.property(illConditioned, (p) => expectKkt(p, nnls(p.A, p.b, p.m, p.n), 1e-12)),
      { numRuns: 300 },
    );
  });

  it('exactly repeated, zero and scaled-copy columns: KKT holds and the objective is the one without them', () => {
    fc.assert(
      fc.property(problems(4), fc.double({ min: 0.1, max: 10, noNaN: true }), (p, s) => {
        // columns: the original n, a copy of column 0 scaled by s, and a zero column
        const n = p.n + 2;
        const A = new Float64Array(p.m * n);
        for (let i = 0; i < p.m; i++) {
          for (let j = 0; j < p.n; j++) A[i * n + j] = p.A[i * p.n + j]!;
          A[i * n + p.n] = s * p.A[i * p.n]!;
        }
        const q = { ...p, A, n };
        const x = nnls(A, p.b, p.m, n);
        expectKkt(q, x, 1e-12);
        expect(x[n - 1]).toBe(0);
        const reference = objective(p, nnls(p.A, p.b, p.m, p.n));
        expect(Math.abs(objective(q, x) - reference)).toBeLessThanOrEqual(
          1e-10 * (1 + Math.hypot(...p.b) ** 2),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('nnls: the objective equals a brute-force enumeration of all active sets (n ≤ 6)', () => {
  it('on random problems', () => {
    fc.assert(
      fc.property(problems(6), (p) => {
        const x = nnls(p.A, p.b, p.m, p.n);
        const brute = bruteForce(p);
        const got = objective(p, x);
        // relative to ‖b‖², the objective's scale; the brute force skips (near-)singular subsets, whose points
        // other subsets reach too
        expect(got - brute, `nnls ${got} vs brute force ${brute}`).toBeLessThanOrEqual(
          1e-9 * (1e-300 + Math.hypot(...p.b) ** 2),
        );
        expect(brute - got).toBeLessThanOrEqual(1e-9 * (1e-300 + Math.hypot(...p.b) ** 2));
      }),
      { numRuns: 300 },
    );
  });

  it('3,000 seeded problems (n up to 8, m 1..9, columns scaled 1e-3..1e3, some nearly repeated): no miss', () => {
    // A plain loop with its own generator rather than fast-check: thousands of cases in a second, so a solver that
    // is wrong once in a thousand problems fails here.
    let seed = 20261207;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) >>> 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const misses: string[] = [];
    for (let k = 0; k < 3000; k++) {
      const n = 1 + Math.floor(rnd() * 8);
      const m = 1 + Math.floor(rnd() * 9);
      const A = new Float64Array(m * n);
      const scales = Array.from({ length: n }, () => 10 ** Math.floor(rnd() * 7 - 3));
      for (let e = 0; e < m * n; e++) A[e] = (2 * rnd() - 1) * scales[e % n]!;
      // a nearly repeated column now and then (1e-3 relative perturbation: still well inside the brute force's reach)
      if (n >= 2 && rnd() < 0.2)
        for (let i = 0; i < m; i++) A[i * n + 1] = A[i * n]! * (1 + 1e-3 * (2 * rnd() - 1));
      const b = Float64Array.from({ length: m }, () => 2 * rnd() - 1);
      const p = { A, b, m, n };
      const x = nnls(A, b, m, n);
      const got = objective(p, x);
      const brute = bruteForce(p);
      const scale = 1e-300 + Math.hypot(...b) ** 2;
      // never worse than a feasible point the enumeration found (where nnls is better, the enumeration skipped a
      // near-singular subset: nnls's x >= 0 is itself feasible)
      if (!(x.every((v) => v >= 0) && got - brute <= 1e-9 * scale)) {
        misses.push(`m = ${m}, n = ${n}, scales ${scales.join('/')}: nnls ${got} vs brute force ${brute}`);
      }
      expectKkt(p, x, 1e-12);
    }
    expect(misses).toEqual([]);
  });

  it("golden: scipy.optimize.nnls's documented example", () => {
    // A = [[1, 0], [1, 0], [0, 1]]: b = [2, 1, 1] gives x = [1.5, 1], rnorm = 0.7071…; b = -1 gives x = 0, rnorm √3
    const A = Float64Array.of(1, 0, 1, 0, 0, 1);
    const x = nnls(A, Float64Array.of(2, 1, 1), 3, 2);
    expect(x[0]).toBeCloseTo(1.5, 14);
    expect(x[1]).toBeCloseTo(1, 14);
    const p = { A, b: Float64Array.of(2, 1, 1), m: 3, n: 2 };
    expect(Math.sqrt(objective(p, x))).toBeCloseTo(0.7071067811865475, 14);
    expect(Array.from(nnls(A, Float64Array.of(-1, -1, -1), 3, 2))).toEqual([0, 0]);
  });
});

describe('nnls: scaling', () => {
  it('nnls(C, s·d) = s·nnls(C, d) and nnls(s·C, d) = nnls(C, d)/s bit for bit for s a power of two', () => {
    fc.assert(
      fc.property(problems(6), fc.integer({ min: -60, max: 60 }), (p, k) => {
        const s = 2 ** k;
        const x = nnls(p.A, p.b, p.m, p.n);
        const xd = nnls(
          p.A,
          p.b.map((v) => v * s),
          p.m,
          p.n,
        );
        const xc = nnls(
          p.A.map((v) => v * s),
          p.b,
          p.m,
          p.n,
        );
        expect(Array.from(xd)).toEqual(Array.from(x, (v) => v * s));
        expect(Array.from(xc)).toEqual(Array.from(x, (v) => v / s));
      }),
      { numRuns: 200 },
    );
  });
});

describe('nnls: edge cases and bad input', () => {
  it('b = 0 and A = 0 give x = 0; m < n works', () => {
    expect(Array.from(nnls(Float64Array.of(1, 2, 3, 4), Float64Array.of(0, 0), 2, 2))).toEqual([0, 0]);
    expect(Array.from(nnls(new Float64Array(6), Float64Array.of(1, 2), 2, 3))).toEqual([0, 0, 0]);
    const x = nnls(Float64Array.of(1, 1, 1), Float64Array.of(3), 1, 3);
    expect(x.reduce((s, v) => s + v, 0)).toBeCloseTo(3, 12);
  });

  it('rejects shapes and non-finite entries with typed errors naming the entry', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(GramianError);
        return `${(e as GramianError).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(err(() => nnls(Float64Array.of(1, 2, 3), Float64Array.of(1, 2), 2, 2))).toMatch(
      /^shape: nnls: C must have m·n = 4 entries and d m = 2, got 3 and 2/,
    );
    expect(err(() => nnls(Float64Array.of(1, Number.NaN, 3, 4), Float64Array.of(1, 2), 2, 2))).toMatch(
      /^non-finite: nnls: C\[0\]\[1\] is NaN/,
    );
    expect(err(() => nnls(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, Infinity), 2, 2))).toMatch(
      /^non-finite: nnls: d\[1\] is Infinity/,
    );
    // the integer / >= 1 guard itself (with n = 0 the size check would also fire, with another message)
    expect(err(() => nnls(Float64Array.of(1), Float64Array.of(1), 1, 0))).toMatch(
      /^shape: nnls: m and n must be integers >= 1, got m = 1, n = 0$/,
    );
    expect(err(() => nnls(new Float64Array(0), new Float64Array(0), 0, 1))).toMatch(
      /^shape: nnls: m and n must be integers >= 1, got m = 0, n = 1$/,
    );
    expect(err(() => nnls(Float64Array.of(1, 2), Float64Array.of(1), 1, 1.5))).toMatch(
      /^shape: nnls: m and n must be integers >= 1, got m = 1, n = 1.5$/,
    );
    expect(err(() => nnls(Float64Array.of(1, 2), Float64Array.of(1, 2), 1.5, 1))).toMatch(
      /^shape: nnls: m and n must be integers >= 1, got m = 1.5, n = 1$/,
    );
    expect(err(() => nnls(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 2, 3), 2, 2))).toMatch(
      /^shape: nnls: C must have m·n = 4 entries and d m = 2, got 4 and 3$/,
    );
  });
});
