import { gramOfRows } from '@cs-dfd/gramian';
import { gramCases, gramTimes, maxDiag } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mgda, minNormActiveSet, minNormKktResidual, minNormPair } from '../src/index.js';

/** d = wᵀ J */
function direction(J: number[][], w: ArrayLike<number>): number[] {
  return J[0]!.map((_, p) => J.reduce((s, row, i) => s + w[i]! * row[p]!, 0));
}

describe('mgda: published values (torchjd test suite)', () => {
  it('J = [[-4, 1, 1], [6, 1, 1]] gives w = [0.6, 0.4], d = [0, 1, 1]', () => {
    const J = [
      [-4, 1, 1],
      [6, 1, 1],
    ];
    for (const solver of ['exact', 'frank-wolfe'] as const) {
      const w = mgda({ solver }).weights(gramOfRows(J), 2);
      expect(w[0]).toBeCloseTo(0.6, solver === 'exact' ? 14 : 3);
      expect(w[1]).toBeCloseTo(0.4, solver === 'exact' ? 14 : 3);
      const d = direction(J, w);
      expect(d[0]).toBeCloseTo(0, solver === 'exact' ? 12 : 2);
      expect(d[1]).toBeCloseTo(1, solver === 'exact' ? 12 : 3);
    }
  });

  it("reduction 'sum' multiplies the simplex weights by K", () => {
    const G = gramOfRows([
      [-4, 1, 1],
      [6, 1, 1],
    ]);
    const w = mgda({ reduction: 'sum' }).weights(G, 2);
    expect(w[0]).toBeCloseTo(1.2, 14);
    expect(w[1]).toBeCloseTo(0.8, 14);
  });
});

describe('mgda: hand-solved cases', () => {
  it('K = 1 gives w = [1] (also for a zero gradient)', () => {
    expect(Array.from(mgda().weights(Float64Array.of(4), 1))).toEqual([1]);
    expect(Array.from(mgda().weights(Float64Array.of(0), 1))).toEqual([1]);
  });

  it('all-zero gradients give the uniform weights', () => {
    expect(Array.from(mgda().weights(new Float64Array(9), 3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('identical gradients (K = 2) give [1/2, 1/2]; for K > 2 the same update d', () => {
    expect(
      Array.from(
        mgda().weights(
          gramOfRows([
            [1, 2],
            [1, 2],
          ]),
          2,
        ),
      ),
    ).toEqual([0.5, 0.5]);
    const J = [
      [1, 2],
      [1, 2],
      [1, 2],
    ];
    const w = mgda().weights(gramOfRows(J), 3);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    const d = direction(J, w);
    expect(d[0]).toBeCloseTo(1, 13);
    expect(d[1]).toBeCloseTo(2, 13);
  });

  it('a zero gradient makes the point Pareto-stationary: d = 0, exact endpoint weights', () => {
    const G = gramOfRows([
      [3, 4],
      [0, 0],
    ]);
    expect(Array.from(mgda().weights(G, 2))).toEqual([0, 1]);
    const { info } = mgda().solve(G, 2);
    expect(info.minNormSquared).toBe(0);
  });

  it('zero gradients among others: the weight is spread over the zero gradients, d = 0 exactly', () => {
    const w = mgda().weights(
      gramOfRows([
        [1, 2],
        [0, 0],
        [3, -1],
        [0, 0],
      ]),
      4,
    );
    expect(Array.from(w)).toEqual([0, 0.5, 0, 0.5]);
  });

  it('opposite collinear gradients g2 = -c g1 give d = 0 with w = [c, 1]/(1 + c)', () => {
    const w = mgda().weights(
      gramOfRows([
        [1, 2],
        [-3, -6],
      ]),
      2,
    );
    expect(w[0]).toBeCloseTo(0.75, 14);
    expect(w[1]).toBeCloseTo(0.25, 14);
  });

  it('an endpoint is returned exactly when one gradient is the min-norm point', () => {
    // <g0, g1> = 2 >= ||g0||² = 1: the hull's closest point to 0 is g0 itself
    expect(
      Array.from(
        mgda().weights(
          gramOfRows([
            [1, 0],
            [2, 5],
          ]),
          2,
        ),
      ),
    ).toEqual([1, 0]);
    expect(
      Array.from(
        mgda().weights(
          gramOfRows([
            [2, 5],
            [1, 0],
          ]),
          2,
        ),
      ),
    ).toEqual([0, 1]);
  });

  it('three unit axes: w = 1/3 each; orthogonal gradients of norms 1, 2, 4: w ∝ 1/||g_i||²', () => {
    const w = mgda().weights(
      gramOfRows([
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]),
      3,
    );
    for (const v of w) expect(v).toBeCloseTo(1 / 3, 14);
    const u = mgda().weights(
      gramOfRows([
        [1, 0, 0],
        [0, 2, 0],
        [0, 0, 4],
      ]),
      3,
    );
    const inv = [1, 1 / 4, 1 / 16];
    const z = inv.reduce((a, b) => a + b, 0);
    inv.forEach((v, i) => expect(u[i]).toBeCloseTo(v / z, 14));
  });
});

describe('mgda: independent cross-checks', () => {
  it('K = 2: the closed form equals the general active-set solver to 1e-9 in w', () => {
    fc.assert(
      fc.property(gramCases(2, 2), ({ G }) => {
        const t = minNormPair(G[0]!, G[1]!, G[3]!);
        const general = minNormActiveSet(G, 2).weights;
        const scale = maxDiag(G, 2);
        // where the minimiser is not unique (g0 = g1) only the objective is comparable
        const a = G[0]! + G[3]! - 2 * G[1]!;
        if (a > 1e-6 * scale) {
          expect(Math.abs(general[0]! - t)).toBeLessThanOrEqual(1e-9);
        }
        const q = (w0: number) => w0 * w0 * G[0]! + 2 * w0 * (1 - w0) * G[1]! + (1 - w0) ** 2 * G[3]!;
        expect(Math.abs(q(t) - q(general[0]!))).toBeLessThanOrEqual(1e-12 * scale);
      }),
      { numRuns: 300 },
    );
  });

  it('K = 3: no point of a 1/200 simplex grid has a smaller wᵀGw than the solver', () => {
    const n = 200;
    fc.assert(
      fc.property(gramCases(3, 3, false), ({ G }) => {
        const w = mgda().weights(G, 3);
        const q = (a: number, b: number, c: number) =>
          a * a * G[0]! + b * b * G[4]! + c * c * G[8]! + 2 * (a * b * G[1]! + a * c * G[2]! + b * c * G[5]!);
        const qSolver = q(w[0]!, w[1]!, w[2]!);
        let qGrid = Infinity;
        for (let i = 0; i <= n; i++)
          for (let j = 0; i + j <= n; j++) qGrid = Math.min(qGrid, q(i / n, j / n, (n - i - j) / n));
        expect(qSolver).toBeLessThanOrEqual(qGrid + 1e-13 * maxDiag(G, 3));
        // and the grid comes within its resolution of the solver's minimum
        expect(qGrid - qSolver).toBeLessThanOrEqual((4 * maxDiag(G, 3)) / n);
      }),
      { numRuns: 40 },
    );
  });

  it('Frank–Wolfe meets its O(1/t) guarantee against the exact minimum', () => {
    // Jaggi (2013): q(w_t) − q⋆ ≤ 2 C/(t + 2) with curvature C ≤ max_ij ||g_i − g_j||² ≤ 4 max_i G_ii
    const steps = 2000;
    fc.assert(
      fc.property(gramCases(2, 5, false), ({ G, K }) => {
        const exact = mgda().solve(G, K).info.minNormSquared ?? Number.NaN;
        const fw =
          mgda({ solver: 'frank-wolfe', tolerance: 0, maxIterations: steps }).solve(G, K).info
            .minNormSquared ?? Number.NaN;
        expect(fw).toBeGreaterThanOrEqual(exact - 1e-12 * maxDiag(G, K));
        expect(fw - exact).toBeLessThanOrEqual((8 * maxDiag(G, K)) / (steps + 2));
      }),
      { numRuns: 40 },
    );
  });

  it('regression: gradient norms 1e-12..1e-4 keep the KKT residual at rounding level (6e-11 before the polish)', () => {
    // found by fast-check: Lawson–Hanson's normal-equation step alone left a KKT residual of 6.3e-11 here
    const G = Float64Array.from([
      2.5898922351407686e-18, 0, 0, -2.2671784934190407e-13, 1.7985166617364412e-17, 0, 1e-24, -1e-24, 0, 0,
      0, -1e-24, 1e-24, 0, 0, -2.2671784934190407e-13, 0, 0, 1.9846872693690266e-8, -1.5750520412170262e-12,
      1.7985166617364412e-17, 0, 0, -1.5750520412170262e-12, 1.2870424661447208e-16,
    ]);
    expect(mgda().solve(G, 5).info.kktResidual).toBeLessThan(1e-15);
  });

  it('minNormKktResidual flags a non-optimal point (the uniform w of a conflicting pair)', () => {
    const G = gramOfRows([
      [-4, 1, 1],
      [6, 1, 1],
    ]);
    expect(minNormKktResidual(G, 2, [0.5, 0.5])).toBeGreaterThan(0.1);
    expect(minNormKktResidual(G, 2, [0.6, 0.4])).toBeLessThan(1e-15);
    expect(gramTimes(G, 2, [0.6, 0.4])[0]).toBeCloseTo(2, 12);
  });
});
