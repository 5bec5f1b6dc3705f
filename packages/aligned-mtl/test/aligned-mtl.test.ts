import { gramOfRows } from '@cs-dfd/gramian';
import {
  expectBadGramsRejected,
  GOLDEN_J,
  independentProblems,
  permuteGram,
  problems,
  update,
} from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlignedMtlScale, alignedMtl } from '../src/index.js';

// ---- an eigendecomposition-free construction of the same weights, written here to cross-check ----

type M = number[][];
const eye = (n: number): M =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j)));
const toM = (G: ArrayLike<number>, K: number): M =>
  Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => G[i * K + j]!));

/** Inverse by Gauss–Jordan elimination with partial pivoting. */
function inverse(A: M): M {
  const n = A.length;
  const W = A.map((row, i) => [...row, ...eye(n)[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(W[r]![c]!) > Math.abs(W[p]![c]!)) p = r;
    [W[c], W[p]] = [W[p]!, W[c]!];
    const piv = W[c]![c]!;
    W[c] = W[c]!.map((x) => x / piv);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = W[r]![c]!;
      W[r] = W[r]!.map((x, k) => x - f * W[c]![k]!);
    }
  }
  return W.map((row) => row.slice(n));
}

/** G^{-1/2} by the Denman–Beavers iteration (G symmetric positive definite). */
function inverseSqrt(G: M): M {
  const n = G.length;
  const t = G.reduce((s, row, i) => s + row[i]!, 0) / n;
  let Y = G.map((row) => row.map((x) => x / t));
  let Z = eye(n);
  for (let it = 0; it < 100; it++) {
    const Yi = inverse(Y);
    const Zi = inverse(Z);
    Y = Y.map((row, i) => row.map((x, j) => (x + Zi[i]![j]!) / 2));
    Z = Z.map((row, i) => row.map((x, j) => (x + Yi[i]![j]!) / 2));
  }
  return Z.map((row) => row.map((x) => x / Math.sqrt(t)));
}

/** Number of eigenvalues of G below x: negative pivots of G - xI (Sylvester's law of inertia). */
function countBelow(G: M, x: number): number {
  const A = G.map((row, i) => row.map((v, j) => v - (i === j ? x : 0)));
  const n = A.length;
  let neg = 0;
  for (let c = 0; c < n; c++) {
    const piv = A[c]![c]!;
    if (piv < 0) neg++;
    for (let r = c + 1; r < n; r++) {
      const f = A[r]![c]! / piv;
      for (let k = c; k < n; k++) A[r]![k] = A[r]![k]! - f * A[c]![k]!;
    }
  }
  return neg;
}

/** The k-th smallest eigenvalue (0-based) by bisection on the inertia count. */
function kthEigenvalue(G: M, k: number): number {
  let lo = 0;
  let hi = G.reduce((s, row, i) => s + row[i]!, 0);
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    if (countBelow(G, mid) > k) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

/** w = sqrt(σ²) G^{-1/2} p for independent gradients, with no eigendecomposition. */
function alignedWithoutEigen(G: Float64Array, K: number, scale: AlignedMtlScale, p: number[]): number[] {
  const A = toM(G, K);
  const sigma2 =
    scale === 'rmse'
      ? A.reduce((s, row, i) => s + row[i]!, 0) / K
      : kthEigenvalue(A, scale === 'min' ? 0 : Math.floor((K - 1) / 2));
  const Z = inverseSqrt(A);
  return Z.map((row) => Math.sqrt(sigma2) * row.reduce((s, z, j) => s + z * p[j]!, 0));
}

/** B from the weights of the unit preference vectors: column k of B is w(e_k). */
function balanceMatrix(G: Float64Array, K: number, scale: AlignedMtlScale): M {
  const cols = Array.from({ length: K }, (_, k) =>
    alignedMtl({ scale, preference: eye(K)[k]! }).weights(G, K),
  );
  return Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, k) => cols[k]![i]!));
}

const mul = (A: M, B: M): M =>
  A.map((row) => B[0]!.map((_, j) => row.reduce((s, a, k) => s + a * B[k]![j]!, 0)));
const scales: AlignedMtlScale[] = ['min', 'median', 'rmse'];

describe('alignedMtl: published values', () => {
  it("reproduces torchjd's golden weights and update (mean preference, min scale)", () => {
    const w = alignedMtl().weights(gramOfRows(GOLDEN_J), 2);
    expect(w[0]).toBeCloseTo(0.5591, 4);
    expect(w[1]).toBeCloseTo(0.4083, 4);
    const d = update(GOLDEN_J, w);
    [0.2133, 0.9673, 0.9673].forEach((x, p) => expect(d[p]).toBeCloseTo(x, 4));
  });
});

describe('alignedMtl: the defining construction', () => {
  it('equals sqrt(σ²) G^{-1/2} p built without an eigendecomposition (Denman–Beavers, inertia bisection)', () => {
    fc.assert(
      fc.property(
        independentProblems(1, 5, 1e-4),
        fc.constantFrom(...scales),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        ({ G, K }, scale, pref) => {
          const p = pref.slice(0, K);
          const w = alignedMtl({ scale, preference: p }).weights(G, K);
          const ref = alignedWithoutEigen(G, K, scale, p);
          const size = Math.max(1e-12, ...ref.map(Math.abs), ...p.map(Math.abs));
          ref.forEach((x, i) => expect(Math.abs(w[i]! - x)).toBeLessThanOrEqual(1e-7 * size));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('independent gradients: the aligned gradients are orthogonal with length σ (B G B = σ² I)', () => {
    fc.assert(
      fc.property(independentProblems(1, 6), fc.constantFrom(...scales), ({ G, K }, scale) => {
        const B = balanceMatrix(G, K, scale);
        const sigma2 = alignedMtl({ scale }).solve(G, K).info.scale!;
        const A = mul(mul(B, toM(G, K)), B);
        A.forEach((row, i) =>
          row.forEach((x, j) => expect(Math.abs(x / sigma2 - +(i === j))).toBeLessThanOrEqual(1e-8)),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('any rank: B G B / σ² is an orthogonal projector (the aligned Gram matrix is σ² on the range of G)', () => {
    fc.assert(
      fc.property(problems(), ({ G, K }) => {
        const { info } = alignedMtl().solve(G, K);
        if (info.rank === 0) return;
        const B = balanceMatrix(G, K, 'min');
        const P = mul(mul(B, toM(G, K)), B).map((row) => row.map((x) => x / info.scale!));
        const P2 = mul(P, P);
        let trace = 0;
        P.forEach((row, i) => {
          trace += row[i]!;
          row.forEach((x, j) => {
            expect(Math.abs(x - P[j]![i]!)).toBeLessThanOrEqual(1e-6);
            expect(Math.abs(P2[i]![j]! - x)).toBeLessThanOrEqual(1e-6);
          });
        });
        expect(trace).toBeCloseTo(info.rank!, 6);
      }),
      { numRuns: 300 },
    );
  });
});

describe('alignedMtl: properties', () => {
  it('finite weights for rank-deficient, zero and scaled (1e-10..1e15) gradients, every scale mode', () => {
    fc.assert(
      fc.property(problems(), fc.constantFrom(...scales), ({ G, K }, scale) => {
        const w = alignedMtl({ scale }).weights(G, K);
        expect(w).toHaveLength(K);
        expect(w.every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('permutation invariance (mean preference): permuting the tasks permutes the weights', () => {
    fc.assert(
      fc.property(
        problems({ minK: 2 }).chain((p) =>
          fc.record({
            p: fc.constant(p),
            perm: fc.shuffledSubarray([...Array(p.K).keys()], { minLength: p.K }),
          }),
        ),
        fc.constantFrom(...scales),
        ({ p: { G, K }, perm }, scale) => {
          const w = alignedMtl({ scale }).weights(G, K);
          const wp = alignedMtl({ scale }).weights(permuteGram(G, K, perm), K);
          const size = Math.max(1, ...Array.from(w, Math.abs));
          perm.forEach((src, a) => expect(Math.abs(wp[a]! - w[src]!)).toBeLessThanOrEqual(1e-8 * size));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('weights are invariant under G -> sG (d scales with the gradients)', () => {
    fc.assert(
      fc.property(
        problems(),
        fc.integer({ min: -33, max: 50 }),
        fc.constantFrom(...scales),
        ({ G, K }, k, scale) => {
          const s = 4 ** k;
          const w = alignedMtl({ scale }).weights(G, K);
          const ws = alignedMtl({ scale }).weights(
            G.map((x) => x * s),
            K,
          );
          const size = Math.max(1, ...Array.from(w, Math.abs));
          w.forEach((x, i) => expect(Math.abs(ws[i]! - x)).toBeLessThanOrEqual(1e-12 * size));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('K = 1 and all-zero gradients return the preference vector', () => {
    for (const g of [0, 1e-20, 3, 1e30])
      expect(Array.from(alignedMtl().weights(Float64Array.of(g), 1))).toEqual([1]);
    expect(Array.from(alignedMtl({ preference: [0.2, 0.8] }).weights(new Float64Array(4), 2))).toEqual([
      0.2, 0.8,
    ]);
  });

  it('identical gradients give the mean; collinear g_i = a_i g give w = a (aᵀp) / |a|²', () => {
    const g = [1, -2, 0.5];
    alignedMtl()
      .weights(gramOfRows([g, g, g]), 3)
      .forEach((x) => expect(x).toBeCloseTo(1 / 3, 12));
    const a = [1, -4, 0.25];
    const aa = a.reduce((s, x) => s + x * x, 0);
    const ap = a.reduce((s, x) => s + x / 3, 0);
    const w = alignedMtl().weights(gramOfRows(a.map((ai) => g.map((x) => ai * x))), 3);
    a.forEach((ai, i) => expect(w[i]).toBeCloseTo((ai * ap) / aa, 12));
  });

  it('median picks the lower middle kept eigenvalue; rmse the mean one', () => {
    const J = [
      [1, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 3, 0],
      [0, 0, 0, 4],
    ];
    const G = gramOfRows(J);
    expect(alignedMtl({ scale: 'min' }).solve(G, 4).info.scale).toBeCloseTo(1, 12);
    expect(alignedMtl({ scale: 'median' }).solve(G, 4).info.scale).toBeCloseTo(4, 12);
    expect(alignedMtl({ scale: 'rmse' }).solve(G, 4).info.scale).toBeCloseTo(7.5, 12);
  });
});

describe('alignedMtl: bad input', () => {
  it('rejects invalid Gram matrices with typed errors', () => {
    expectBadGramsRejected(() => alignedMtl());
  });

  it('rejects bad options and a preference vector of the wrong length', () => {
    expect(() => alignedMtl({ scale: 'max' as never })).toThrow(
      expect.objectContaining({ code: 'invalid-option' }),
    );
    expect(() => alignedMtl({ rcond: -1 })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    expect(() => alignedMtl({ preference: [1, Number.NaN] })).toThrow(
      expect.objectContaining({ code: 'invalid-option', task: 1 }),
    );
    expect(() => alignedMtl({ preference: [1, 1, 1] }).weights(Float64Array.of(1, 0, 0, 1), 2)).toThrow(
      expect.objectContaining({ code: 'shape' }),
    );
  });

  it('messages name the method, the option and the value', () => {
    expect(() => alignedMtl({ scale: 'max' as never })).toThrow(
      "alignedMtl: option scale must be 'min', 'median' or 'rmse', got max",
    );
    expect(() => alignedMtl({ rcond: -1 })).toThrow('alignedMtl: option rcond must be in [0, 1], got -1');
    expect(() => alignedMtl({ preference: [1, Number.NaN] })).toThrow(
      'alignedMtl: preference[1] must be finite, got NaN',
    );
    expect(() => alignedMtl({ preference: [1, 1, 1] }).weights(Float64Array.of(1, 0, 0, 1), 2)).toThrow(
      'alignedMtl: the preference vector has 3 entries but K = 2',
    );
  });

  it('is named aligned-mtl', () => {
    expect(alignedMtl().name).toBe('aligned-mtl');
  });
});
