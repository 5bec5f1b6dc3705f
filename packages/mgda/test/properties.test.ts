import {
  gramCases,
  gramTimes,
  maxDiag,
  permutationOf,
  permuteGram,
  updateDistanceSquared,
} from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mgda } from '../src/index.js';

const exact = mgda();
/** Products of subnormal Gram entries (|G_ij| < 1e-300, from gradients below 1e-150) round absolutely. */
const TINY = 1e-300;

describe('mgda properties on random Gram matrices (rank-deficient, zero rows, scales 1e-10..1e15)', () => {
  it('weights are finite and on the simplex', () => {
    fc.assert(
      fc.property(gramCases(1, 8), ({ G, K }) => {
        const w = exact.weights(G, K);
        expect(w).toHaveLength(K);
        let sum = 0;
        for (const v of w) {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
          sum += v;
        }
        expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: 400 },
    );
  });

  it('KKT: r = Gw − (wᵀGw)1 ≥ 0 and w_i r_i = 0, to 1e-13 of max G_ii', () => {
    fc.assert(
      fc.property(gramCases(1, 8), ({ G, K }) => {
        const w = exact.weights(G, K);
        const Gw = gramTimes(G, K, w);
        const lambda = w.reduce((s, v, i) => s + v * Gw[i]!, 0);
        const tol = 1e-13 * maxDiag(G, K) + TINY;
        for (let i = 0; i < K; i++) {
          const r = Gw[i]! - lambda;
          expect(r).toBeGreaterThanOrEqual(-tol);
          expect(Math.abs(w[i]! * r)).toBeLessThanOrEqual(tol);
        }
        expect(exact.solve(G, K).info.kktResidual).toBeLessThanOrEqual(1e-13);
      }),
      { numRuns: 400 },
    );
  });

  it('non-conflict: <g_i, d> ≥ ||d||² ≥ 0 for every task, to 1e-13 of max_j ||g_j||²', () => {
    fc.assert(
      fc.property(gramCases(1, 8), ({ G, K }) => {
        const w = exact.weights(G, K);
        const Gw = gramTimes(G, K, w);
        const normSq = w.reduce((s, v, i) => s + v * Gw[i]!, 0);
        for (let i = 0; i < K; i++) {
          expect(Gw[i]!).toBeGreaterThanOrEqual(-1e-13 * maxDiag(G, K) - TINY);
          expect(Gw[i]! - normSq).toBeGreaterThanOrEqual(-1e-13 * maxDiag(G, K) - TINY);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('permutation invariance: reordering tasks reorders w (same update d)', () => {
    fc.assert(
      fc.property(
        gramCases(2, 7).chain((c) => fc.tuple(fc.constant(c), permutationOf(c.K))),
        ([{ G, K }, perm]) => {
          const w = exact.weights(G, K);
          const wp = exact.weights(permuteGram(G, K, perm), K);
          const back = new Float64Array(K);
          perm.forEach((src, i) => {
            back[src] = wp[i]!;
          });
          // d is unique even where w is not (rank-deficient G)
          expect(updateDistanceSquared(G, K, w, back)).toBeLessThanOrEqual(1e-11 * maxDiag(G, K) + TINY);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('scale: w is unchanged under G -> sG (bit-identical for s a power of two)', () => {
    fc.assert(
      fc.property(gramCases(1, 6, false), fc.integer({ min: -60, max: 60 }), ({ G, K }, e) => {
        const w = exact.weights(G, K);
        const ws = exact.weights(
          G.map((v) => v * 2 ** e),
          K,
        );
        expect(Array.from(ws)).toEqual(Array.from(w));
      }),
      { numRuns: 200 },
    );
  });

  it('Frank–Wolfe output is finite, on the simplex and never worse than the uniform start', () => {
    const fw = mgda({ solver: 'frank-wolfe' });
    fc.assert(
      fc.property(gramCases(1, 8), ({ G, K }) => {
        const w = fw.weights(G, K);
        expect(w.every(Number.isFinite)).toBe(true);
        expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12);
        const q = (x: ArrayLike<number>) =>
          Array.from(x).reduce((s, v, i) => s + v * gramTimes(G, K, x)[i]!, 0);
        expect(q(w)).toBeLessThanOrEqual(q(new Float64Array(K).fill(1 / K)) + 1e-13 * maxDiag(G, K));
      }),
      { numRuns: 200 },
    );
  });
});
