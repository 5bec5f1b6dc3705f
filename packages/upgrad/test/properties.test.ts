import { gramCases, gramTimes, permutationOf, permuteGram, updateDistanceSquared } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dualProj, projectToDualCone, upgrad } from '../src/index.js';

/** Subnormal products (|G_ij| < 1e-300) round absolutely. */
const TINY = 1e-300;

/** ||g_i|| Σ_j ||g_j|| |w_j| ≥ |<g_i, d>|: the Cauchy–Schwarz yardstick for rounding in (Gw)_i. */
function yardstick(G: Float64Array, K: number, w: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let j = 0; j < K; j++) s += Math.sqrt(G[j * K + j]!) * Math.abs(w[j]!);
  return Float64Array.from({ length: K }, (_, i) => Math.sqrt(G[i * K + i]!) * s);
}

const methods = [
  ['upgrad', upgrad()],
  ['dualProj', dualProj()],
] as const;
// entries below 1e-6 are exact zeros (no subnormal products)
const preference = (K: number) =>
  fc.array(
    fc.double({ min: -2, max: 2, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x)),
    { minLength: K, maxLength: K },
  );

describe('dual-cone projection KKT on random G (rank-deficient, zero rows, scales 1e-10..1e15) and random u', () => {
  it('v ≥ u, Gv ≥ 0 and (v − u)_i (Gv)_i = 0, to 1e-10 of the Cauchy–Schwarz size', () => {
    fc.assert(
      fc.property(
        gramCases(1, 8).chain((c) => fc.tuple(fc.constant(c), preference(c.K))),
        ([{ G, K }, u]) => {
          const { weights: v, kktResidual } = projectToDualCone(G, K, u);
          const Gv = gramTimes(G, K, v);
          const y = yardstick(G, K, v);
          for (let i = 0; i < K; i++) {
            expect(Number.isFinite(v[i]!)).toBe(true);
            expect(v[i]! - u[i]!).toBeGreaterThanOrEqual(-1e-14 * Math.abs(u[i]!));
            expect(Gv[i]!).toBeGreaterThanOrEqual(-1e-10 * y[i]! - TINY);
            expect(Math.abs((v[i]! - u[i]!) * Gv[i]!)).toBeLessThanOrEqual(
              1e-10 * (Math.abs(v[i]!) + Math.abs(u[i]!)) * y[i]! + TINY,
            );
          }
          // the scaled residual (a summary) reached 5.4e-10 on near-degenerate cones; the componentwise checks above are the promise
          expect(kktResidual).toBeLessThanOrEqual(1e-8);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe.each(methods)('%s properties on random G', (_name, method) => {
  it('finite weights; non-conflict <g_i, d> ≥ 0 for every task', () => {
    fc.assert(
      fc.property(gramCases(1, 8), ({ G, K }) => {
        const { weights: w, info } = method.solve(G, K);
        expect(w).toHaveLength(K);
        expect(w.every(Number.isFinite)).toBe(true);
        const Gw = gramTimes(G, K, w);
        const y = yardstick(G, K, w);
        for (let i = 0; i < K; i++) expect(Gw[i]!).toBeGreaterThanOrEqual(-1e-10 * y[i]! - TINY);
        expect(info.minDecrease).toBeGreaterThanOrEqual(-1e-10);
        expect(info.kktResidual).toBeLessThanOrEqual(1e-8);
      }),
      { numRuns: 300 },
    );
  });

  it('permutation invariance: reordering tasks reorders w (same update d)', () => {
    fc.assert(
      fc.property(
        gramCases(2, 7).chain((c) => fc.tuple(fc.constant(c), permutationOf(c.K))),
        ([{ G, K }, perm]) => {
          const w = method.weights(G, K);
          const wp = method.weights(permuteGram(G, K, perm), K);
          const back = new Float64Array(K);
          perm.forEach((src, i) => {
            back[src] = wp[i]!;
          });
          // yardstick Σ_j ||g_j|| (|w_j| + |w'_j|) ≥ ||d|| + ||d'||; exactly opposite collinear gradients make the
          // cone degenerate and d = 0 is then reached by cancellation, accurate to ~1e-8 of it (G's own rounding)
          let size = 0;
          for (let j = 0; j < K; j++)
            size += Math.sqrt(G[j * K + j]!) * (Math.abs(w[j]!) + Math.abs(back[j]!));
          expect(Math.sqrt(Math.max(0, updateDistanceSquared(G, K, w, back)))).toBeLessThanOrEqual(
            1e-7 * size + TINY,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('scale: w is unchanged under G -> sG (bit-identical for s a power of four)', () => {
    fc.assert(
      fc.property(gramCases(1, 6, false), fc.integer({ min: -30, max: 30 }), ({ G, K }, e) => {
        const w = method.weights(G, K);
        expect(
          Array.from(
            method.weights(
              G.map((v) => v * 4 ** e),
              K,
            ),
          ),
        ).toEqual(Array.from(w));
      }),
      { numRuns: 200 },
    );
  });

  it('no conflicting pair (J ≥ 0 entrywise, so G ≥ 0): w = u', () => {
    fc.assert(
      fc.property(gramCases(1, 6), ({ J, K }) => {
        const nonNegative = J.map((row) => row.map(Math.abs));
        const G = new Float64Array(K * K);
        for (let i = 0; i < K; i++)
          for (let j = 0; j < K; j++)
            G[i * K + j] = nonNegative[i]!.reduce((s, x, p) => s + x * nonNegative[j]![p]!, 0);
        const w = method.weights(G, K);
        for (const v of w) expect(v).toBeCloseTo(1 / K, 12);
      }),
      { numRuns: 150 },
    );
  });
});
