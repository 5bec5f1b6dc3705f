import { gramOfRows } from '@cs-dfd/gramian';
import {
  expectBadGramsRejected,
  GOLDEN_J,
  gramTimes,
  independentProblems,
  permuteGram,
  problems,
  update,
} from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imtlG } from '../src/index.js';

/** Solves A x = b (n×n, row-major) by Gaussian elimination with partial pivoting; written here to stay independent. */
function gauss(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k] = M[r]![k]! - f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/**
 * IMTL-G as the paper states it, on explicit vectors: with D_a = g_1 - g_{a+1} and U_a = u_1 - u_{a+1}, the weights
 * α_{2..K} solve α (D Uᵀ) = g_1 Uᵀ and α_1 = 1 - Σ α_{2..K}.
 */
function imtlOnVectors(J: number[][]): number[] {
  const K = J.length;
  if (K === 1) return [1];
  const dot = (a: number[], b: number[]) => a.reduce((s, x, p) => s + x * b[p]!, 0);
  const u = J.map((g) => g.map((x) => x / Math.sqrt(dot(g, g))));
  const D = J.slice(1).map((g) => J[0]!.map((x, p) => x - g[p]!));
  const U = u.slice(1).map((ui) => u[0]!.map((x, p) => x - ui[p]!));
  // α M = r with M_ab = D_a · U_b  <=>  Mᵀ αᵀ = rᵀ
  const Mt = U.map((Ub) => D.map((Da) => dot(Da, Ub)));
  const r = U.map((Ub) => dot(J[0]!, Ub));
  const tail = gauss(Mt, r);
  return [1 - tail.reduce((s, x) => s + x, 0), ...tail];
}

/** max |cos(g_i, g_j)| over pairs of non-zero gradients, from G. */
function maxPairCosine(G: Float64Array, K: number): number {
  let most = 0;
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      const den = Math.sqrt(G[i * K + i]! * G[j * K + j]!);
      if (den > 0) most = Math.max(most, Math.abs(G[i * K + j]!) / den);
    }
  }
  return most;
}

describe('imtlG: published values', () => {
  it("reproduces torchjd's golden weights and update on J = [[-4, 1, 1], [6, 1, 1]]", () => {
    const w = imtlG().weights(gramOfRows(GOLDEN_J), 2);
    expect(w[0]).toBeCloseTo(0.5923, 4);
    expect(w[1]).toBeCloseTo(0.4077, 4);
    const d = update(GOLDEN_J, w);
    [0.0767, 1, 1].forEach((x, p) => expect(d[p]).toBeCloseTo(x, 4));
  });
});

describe('imtlG: the defining conditions', () => {
  it('independent gradients: equal projections d·u_i and Σ w = 1', () => {
    fc.assert(
      fc.property(independentProblems(), ({ G, K }) => {
        const { weights: w, info } = imtlG().solve(G, K);
        expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
        const proj = gramTimes(G, K, w).map((x, i) => x / Math.sqrt(G[i * K + i]!));
        for (const p of proj) expect(Math.abs(p - info.projection!)).toBeLessThanOrEqual(1e-7 * Math.abs(p));
      }),
      { numRuns: 300 },
    );
  });

  it("equals the paper's closed form α = g_1 Uᵀ (D Uᵀ)⁻¹ solved on explicit vectors", () => {
    fc.assert(
      fc.property(independentProblems(2), ({ G, K, J }) => {
        const w = imtlG().weights(G, K);
        const ref = imtlOnVectors(J);
        const size = Math.max(1, ...ref.map(Math.abs));
        ref.forEach((x, i) => expect(Math.abs(w[i]! - x)).toBeLessThanOrEqual(1e-6 * size));
      }),
      { numRuns: 300 },
    );
  });
});

describe('imtlG: properties', () => {
  it('finite weights for rank-deficient, zero and scaled (1e-10..1e15) gradients', () => {
    fc.assert(
      fc.property(problems(), ({ G, K }) => {
        const w = imtlG().weights(G, K);
        expect(w).toHaveLength(K);
        expect(w.every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('permutation invariance: permuting the tasks permutes the weights', () => {
    fc.assert(
      fc.property(
        problems({ minK: 2 }).chain((p) =>
          fc.record({
            p: fc.constant(p),
            perm: fc.shuffledSubarray([...Array(p.K).keys()], { minLength: p.K }),
          }),
        ),
        ({ p: { G, K }, perm }) => {
          // Two gradients opposite to within 1e-6 in cosine (a CI run drew g₄ = −g₀ to 1e-9 relative) leave
          // IMTL-G's equal-projection system near-singular: its weights are then rounding artefacts of any order.
          fc.pre(maxPairCosine(G, K) < 1 - 1e-6);
          const w = imtlG().weights(G, K);
          const wp = imtlG().weights(permuteGram(G, K, perm), K);
          const size = Math.max(1, ...Array.from(w, Math.abs));
          // w = v / Σv: when Σv nearly cancels (nearly opposite gradients), rounding in v is amplified by
          // Σ|w| / |Σw| = Σ|w|, whatever the task order; the tolerance carries that factor (1 when no cancellation).
          const cancellation = Math.max(
            1,
            Array.from(w, Math.abs).reduce((a, b) => a + b, 0),
          );
          perm.forEach((src, a) =>
            expect(Math.abs(wp[a]! - w[src]!)).toBeLessThanOrEqual(1e-8 * size * cancellation),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('weights are invariant under G -> sG (d scales with the gradients)', () => {
    fc.assert(
      fc.property(independentProblems(), fc.double({ min: -40, max: 40, noNaN: true }), ({ G, K }, e) => {
        const s = 10 ** e;
        const w = imtlG().weights(G, K);
        const ws = imtlG().weights(
          G.map((x) => x * s),
          K,
        );
        const size = Math.max(1, ...Array.from(w, Math.abs));
        w.forEach((x, i) => expect(Math.abs(ws[i]! - x)).toBeLessThanOrEqual(1e-8 * size));
      }),
      { numRuns: 200 },
    );
  });

  it('K = 1: w = [1] for a non-zero gradient, [0] for a zero one (d = 0 either way would be wrong only for g != 0)', () => {
    for (const g of [1e-20, 3, 1e30]) expect(Array.from(imtlG().weights(Float64Array.of(g), 1))).toEqual([1]);
    expect(Array.from(imtlG().weights(Float64Array.of(0), 1))).toEqual([0]);
  });

  it('identical gradients give the mean; same-direction collinear ones give w ∝ magnitudes', () => {
    const g = [1, -2, 0.5];
    const same = imtlG().weights(gramOfRows([g, g, g]), 3);
    same.forEach((x) => expect(x).toBeCloseTo(1 / 3, 12));
    const a = [1, 4, 0.25];
    const w = imtlG().weights(gramOfRows(a.map((ai) => g.map((x) => ai * x))), 3);
    a.forEach((ai, i) => expect(w[i]).toBeCloseTo(ai / 5.25, 12));
  });

  it('exactly opposite gradients (no direction has equal projections) give zero weights, not NaN', () => {
    for (const s of [1e-10, 1, 1e15]) {
      const w = imtlG().weights(
        gramOfRows([
          [s, 2 * s],
          [-s, -2 * s],
        ]),
        2,
      );
      expect(Array.from(w)).toEqual([0, 0]);
    }
    const G = gramOfRows([
      [1, 2],
      [-1, -2],
    ]);
    expect(imtlG().solve(G, 2).info).toEqual({ projection: 0 });
    expect(Array.from(imtlG().weights(new Float64Array(4), 2))).toEqual([0, 0]);
  });

  it('rcond cuts the small eigenvalue: G = diag(1, 1e-6), n = (1, 1e-3)', () => {
    const G = Float64Array.of(1, 0, 0, 1e-6);
    // default rcond K·2⁻²³ ≈ 2.4e-7 keeps both: v = G⁻¹n = (1, 1000), w = v / 1001
    const kept = imtlG().weights(G, 2);
    expect(kept[0]).toBeCloseTo(1 / 1001, 12);
    expect(kept[1]).toBeCloseTo(1000 / 1001, 12);
    // rcond 1e-3 drops 1e-6: G⁺ = diag(1, 0), v = (1, 0), w = (1, 0)
    expect(Array.from(imtlG({ rcond: 1e-3 }).weights(G, 2))).toEqual([1, 0]);
  });

  it('is named imtl-g', () => {
    expect(imtlG().name).toBe('imtl-g');
  });

  it('a zero gradient next to independent ones is ignored (weight 0, others as without it)', () => {
    const J = [
      [1, 0, 0],
      [0, 0, 0],
      [0.5, 2, 0],
    ];
    const w = imtlG().weights(gramOfRows(J), 3);
    const without = imtlG().weights(gramOfRows([J[0]!, J[2]!]), 2);
    expect(w[1]).toBe(0);
    expect(w[0]).toBeCloseTo(without[0]!, 12);
    expect(w[2]).toBeCloseTo(without[1]!, 12);
  });
});

describe('imtlG: bad input', () => {
  it('rejects invalid Gram matrices with typed errors', () => {
    expectBadGramsRejected(() => imtlG());
  });

  it('rejects an out-of-range rcond', () => {
    for (const rcond of [-1, 2, Number.NaN]) {
      expect(() => imtlG({ rcond })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    }
    expect(() => imtlG({ rcond: 2 })).toThrow('imtlG: option rcond must be in [0, 1], got 2');
  });
});
