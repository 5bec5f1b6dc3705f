import { gramCases, gramTimes, permutationOf, permuteGram } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minNormSquared, nashMtl } from '../src/index.js';

/** Squared min norm over the simplex of the unit-normalised non-zero gradients (∞ with fewer than two). */
function cosineMinNormSquared(G: Float64Array, K: number): number {
  const idx = Array.from({ length: K }, (_, i) => i).filter((i) => G[i * K + i]! > 0);
  if (idx.length < 2) return Number.POSITIVE_INFINITY;
  const m = idx.length;
  const C = new Float64Array(m * m);
  idx.forEach((i, a) =>
    idx.forEach((j, c) => {
      C[a * m + c] = G[i * K + j]! / Math.sqrt(G[i * K + i]! * G[j * K + j]!);
    }),
  );
  return minNormSquared(C, m);
}

const nash = nashMtl();

describe('nashMtl properties on random G (rank-deficient, zero rows, scales 1e-10..1e15)', () => {
  it('finite, non-negative weights; zero gradients get 0; stationary cases give w = 0', () => {
    fc.assert(
      fc.property(gramCases(1, 8), ({ G, K }) => {
        const { weights: w, info } = nash.solve(G, K);
        expect(w).toHaveLength(K);
        for (let i = 0; i < K; i++) {
          expect(Number.isFinite(w[i]!)).toBe(true);
          expect(w[i]!).toBeGreaterThanOrEqual(0);
          if (G[i * K + i] === 0 || info.stationary === 1) expect(w[i]).toBe(0);
        }
        for (const v of Object.values(info)) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('bargaining equilibrium α_i (Gα)_i = 1 (so <g_i, d> = 1/α_i > 0) for every non-zero gradient', () => {
    fc.assert(
      fc.property(gramCases(1, 8), ({ G, K }) => {
        const { weights: w, info } = nash.solve(G, K);
        fc.pre(info.stationary === 0);
        expect(info.converged).toBe(1);
        const Gw = gramTimes(G, K, w);
        for (let i = 0; i < K; i++) {
          if (G[i * K + i] === 0) continue;
          // rounding of (Gα)_i is relative to Σ_j |G_ij α_j|, which cancellation can make ≫ (Gα)_i
          let size = 0;
          for (let j = 0; j < K; j++) size += Math.abs(G[i * K + j]! * w[j]!);
          expect(Math.abs(w[i]! * Gw[i]! - 1)).toBeLessThanOrEqual(1e-10 * Math.max(1, w[i]! * size));
          expect(Gw[i]!).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('permutation invariance: reordering tasks reorders α (the solution is unique)', () => {
    fc.assert(
      fc.property(
        gramCases(2, 7).chain((c) => fc.tuple(fc.constant(c), permutationOf(c.K))),
        ([{ G, K }, perm]) => {
          // Only where the equilibrium is resolvable: within ~1e-8 of Pareto stationarity (e.g. g₃ = −g₁ up to
          // 1e-5 relative at scale 1e13) the solve is dominated by rounding and the documented fallback (weights
          // 0, `stationary`) may trigger for one task order and not the other.
          fc.pre(cosineMinNormSquared(G, K) > 1e-8);
          const w = nash.weights(G, K);
          const wp = nash.weights(permuteGram(G, K, perm), K);
          perm.forEach((src, i) => {
            expect(Math.abs(wp[i]! - w[src]!)).toBeLessThanOrEqual(1e-7 * w[src]!);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('per-task scale invariance of d: G -> DGD (D = diag(s_i) > 0) gives α -> D⁻¹α; G -> sG gives α/√s', () => {
    fc.assert(
      fc.property(
        gramCases(1, 6, false).chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.array(fc.integer({ min: -8, max: 8 }), { minLength: c.K, maxLength: c.K }),
          ),
        ),
        ([{ G, K }, exps]) => {
          const s = exps.map((e) => 10 ** e);
          const GD = G.map((v, k) => v * s[Math.floor(k / K)]! * s[k % K]!);
          const w = nash.weights(G, K);
          const wD = nash.weights(GD, K);
          for (let i = 0; i < K; i++)
            expect(Math.abs(wD[i]! * s[i]! - w[i]!)).toBeLessThanOrEqual(1e-7 * w[i]!);
          const wS = nash.weights(
            G.map((v) => v * 16),
            K,
          );
          for (let i = 0; i < K; i++) expect(wS[i]!).toBe(w[i]! / 4);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('||d|| = √K⁺ (non-zero gradients) at the solution, and ≤ maxNorm when capped', () => {
    fc.assert(
      fc.property(gramCases(1, 6), fc.double({ min: 0.1, max: 5, noNaN: true }), ({ G, K }, cap) => {
        const { weights: w, info } = nash.solve(G, K);
        fc.pre(info.stationary === 0);
        let nonZero = 0;
        for (let i = 0; i < K; i++) if (G[i * K + i]! > 0) nonZero++;
        expect(info.updateNorm).toBeCloseTo(Math.sqrt(nonZero), 6);
        const capped = nashMtl({ maxNorm: cap }).solve(G, K);
        expect(capped.info.updateNorm).toBeLessThanOrEqual(cap * (1 + 1e-12));
        for (let i = 0; i < K; i++) {
          if (w[i] === 0) expect(capped.weights[i]).toBe(0);
          else expect(capped.weights[i]! / w[i]!).toBeCloseTo(Math.min(1, cap / info.updateNorm!), 10);
        }
      }),
      { numRuns: 200 },
    );
  });
});
