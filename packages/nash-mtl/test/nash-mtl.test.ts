import { gramOfRows } from '@cs-dfd/gramian';
import { gramTimes } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nashMtl } from '../src/index.js';

const J = [
  [-4, 1, 1],
  [6, 1, 1],
];
const direction = (w: ArrayLike<number>) =>
  J[0]!.map((_, p) => J.reduce((s, row, i) => s + w[i]! * row[p]!, 0));

describe('nashMtl: published value (torchjd docs, max_norm = 1)', () => {
  it('J = [[-4, 1, 1], [6, 1, 1]] gives d = [0.0542, 0.7061, 0.7061]', () => {
    const d = direction(nashMtl({ maxNorm: 1 }).weights(gramOfRows(J), 2));
    [0.0542, 0.7061, 0.7061].forEach((v, i) => expect(d[i]).toBeCloseTo(v, 4));
  });
});

describe('nashMtl: K = 2 solved by hand', () => {
  // β_i = ||g_i|| α_i solves β1(β1 + cβ2) = 1, β2(β2 + cβ1) = 1; subtracting gives β1 = β2 = 1/√(1 + c)
  it('α_i = 1/(||g_i|| √(1 + cos)) for random non-opposite pairs (scales 1e-10..1e15), to 1e-12 + 1e-14/(1 + cos)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 2,
          maxLength: 2,
        }),
        fc.integer({ min: -10, max: 15 }),
        (rows, e) => {
          const G = gramOfRows(rows.map((r) => r.map((x) => x * 10 ** e)));
          const n0 = Math.sqrt(G[0]!);
          const n1 = Math.sqrt(G[3]!);
          fc.pre(n0 > 1e-3 * 10 ** e && n1 > 1e-3 * 10 ** e);
          const c = G[1]! / (n0 * n1);
          fc.pre(1 + c > 1e-6);
          const w = nashMtl().weights(G, 2);
          // conditioning: the cosine's rounding (~1e-16) is amplified by 1/(1 + c)
          const tol = 1e-12 + 1e-14 / (1 + c);
          expect(Math.abs(w[0]! * n0 * Math.sqrt(1 + c) - 1)).toBeLessThanOrEqual(tol);
          expect(Math.abs(w[1]! * n1 * Math.sqrt(1 + c) - 1)).toBeLessThanOrEqual(tol);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('golden pair: α = [1, 1]/√(1 − 22/√684) · [1/√18, 1/√38]', () => {
    const w = nashMtl().weights(gramOfRows(J), 2);
    const b = 1 / Math.sqrt(1 - 22 / Math.sqrt(18 * 38));
    expect(w[0]).toBeCloseTo(b / Math.sqrt(18), 13);
    expect(w[1]).toBeCloseTo(b / Math.sqrt(38), 13);
  });
});

describe('nashMtl: independent cross-check by cyclic coordinate descent', () => {
  /** exact minimisation of φ(β) = ½βᵀCβ − Σ log β_i over one β_i at a time: β_i² + s_i β_i = 1 */
  function coordinateDescent(C: Float64Array, K: number): Float64Array {
    const b = new Float64Array(K).fill(1);
    for (let sweep = 0; sweep < 20000; sweep++) {
      for (let i = 0; i < K; i++) {
        let s = 0;
        for (let j = 0; j < K; j++) if (j !== i) s += C[i * K + j]! * b[j]!;
        b[i] = (-s + Math.sqrt(s * s + 4)) / 2;
      }
    }
    return b;
  }

  it('K = 3..5, well-separated random gradients: same α to 1e-8', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 5 }).chain((K) =>
          fc.array(
            fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: K + 2, maxLength: K + 2 }),
            {
              minLength: K,
              maxLength: K,
            },
          ),
        ),
        (rows) => {
          const K = rows.length;
          const G = gramOfRows(rows);
          const norms = Array.from({ length: K }, (_, i) => Math.sqrt(G[i * K + i]!));
          fc.pre(norms.every((n) => n > 1e-3));
          const C = G.map((v, k) => v / (norms[Math.floor(k / K)]! * norms[k % K]!));
          const { weights: w, info } = nashMtl().solve(G, K);
          fc.pre(info.stationary === 0 && Math.max(...w.map((v, i) => v * norms[i]!)) < 50);
          const beta = coordinateDescent(C, K);
          for (let i = 0; i < K; i++)
            expect(Math.abs(w[i]! * norms[i]! - beta[i]!)).toBeLessThanOrEqual(1e-8 * beta[i]!);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('nashMtl: edge cases (finite, documented)', () => {
  it('K = 1: α = 1/||g||, so <g, d> = 1; zero gradient: α = 0', () => {
    expect(nashMtl().weights(Float64Array.of(4), 1)[0]).toBeCloseTo(0.5, 15);
    expect(Array.from(nashMtl().weights(Float64Array.of(0), 1))).toEqual([0]);
  });

  it('zero gradients get weight 0 and the others bargain among themselves', () => {
    const w = nashMtl().weights(
      gramOfRows([
        [3, 4],
        [0, 0],
        [0, 2],
      ]),
      3,
    );
    const alone = nashMtl().weights(
      gramOfRows([
        [3, 4],
        [0, 2],
      ]),
      2,
    );
    expect(w[1]).toBe(0);
    expect(w[0]).toBeCloseTo(alone[0]!, 14);
    expect(w[2]).toBeCloseTo(alone[1]!, 14);
  });

  it('Pareto-stationary gradients (g2 = −2 g1, or three at 120°) have no solution: w = 0, stationary = 1', () => {
    const r = nashMtl().solve(
      gramOfRows([
        [1, 2],
        [-2, -4],
      ]),
      2,
    );
    expect(Array.from(r.weights)).toEqual([0, 0]);
    expect(r.info.stationary).toBe(1);
    const s = Math.sqrt(3) / 2;
    const tri = nashMtl().solve(
      gramOfRows([
        [1, 0],
        [-0.5, s],
        [-0.5, -s],
      ]),
      3,
    );
    expect(Array.from(tri.weights)).toEqual([0, 0, 0]);
    expect(nashMtl().solve(new Float64Array(4), 2).info.stationary).toBe(1);
  });

  it('identical gradients: α = 1/(||g|| √K), d = g/||g|| · √K... each <g_i, d> = 1/α_i', () => {
    const w = nashMtl().weights(
      gramOfRows([
        [3, 4],
        [3, 4],
        [3, 4],
      ]),
      3,
    );
    for (const v of w) expect(v).toBeCloseTo(1 / (5 * Math.sqrt(3)), 14);
  });

  it('nearly opposite gradients (cos = −1 + 1e-8): large but finite α, ||d|| = √2', () => {
    const c = -1 + 1e-8;
    const G = Float64Array.of(1, c, c, 1);
    const { weights, info } = nashMtl().solve(G, 2);
    // 1/√(1 + c) with the c actually stored (1 + c is exact by Sterbenz), conditioning ~1e8
    expect(Math.abs(weights[0]! * Math.sqrt(1 + c) - 1)).toBeLessThan(1e-7);
    expect(Math.abs(info.updateNorm! - Math.SQRT2)).toBeLessThan(1e-7); // cancellation in βᵀCβ, β² ε ≈ 1e-8
    expect(info.converged).toBe(1);
  });

  it('regression: duplicated gradient against a nearly opposite one (cos ≈ −1 + 1e-12) is reported stationary', () => {
    const G = Float64Array.from([
      5.316106152364243e-21, -8.098096714476729e-27, 5.316106152364243e-21, 0, -8.098096714476729e-27,
      1.2335940727616198e-32, -8.098096714476729e-27, 0, 5.316106152364243e-21, -8.098096714476729e-27,
      5.316106152364243e-21, 0, 0, 0, 0, 0,
    ]);
    const r = nashMtl().solve(G, 4);
    expect(r.info.stationary).toBe(1);
    expect(Array.from(r.weights)).toEqual([0, 0, 0, 0]);
  });

  it('maxNorm caps ||d|| and leaves smaller updates alone', () => {
    const G = gramOfRows(J);
    const capped = nashMtl({ maxNorm: 0.5 }).solve(G, 2);
    expect(capped.info.updateNorm).toBeCloseTo(0.5, 14);
    const q = Array.from(capped.weights).reduce((s, v, i) => s + v * gramTimes(G, 2, capped.weights)[i]!, 0);
    expect(Math.sqrt(q)).toBeCloseTo(0.5, 12);
    expect(nashMtl({ maxNorm: 10 }).solve(G, 2).info.updateNorm).toBeCloseTo(Math.SQRT2, 12);
  });
});
