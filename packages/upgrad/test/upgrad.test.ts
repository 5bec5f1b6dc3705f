import { gramOfRows } from '@cs-dfd/gramian';
import { gramCases, maxDiag } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dualProj, projectToDualCone, upgrad } from '../src/index.js';

const J = [
  [-4, 1, 1],
  [6, 1, 1],
];
/** d = wᵀ J */
const direction = (w: ArrayLike<number>) =>
  J[0]!.map((_, p) => J.reduce((s, row, i) => s + w[i]! * row[p]!, 0));
const torchjd = { normEps: 1e-4, regEps: 1e-4 };

describe('published values (torchjd test suite and docs) on J = [[-4, 1, 1], [6, 1, 1]]', () => {
  it('UPGrad (mean preference, torchjd regularisation): w = [1.1109, 0.7894], d = [0.2929, 1.9004, 1.9004]', () => {
    const w = upgrad(torchjd).weights(gramOfRows(J), 2);
    expect(w[0]).toBeCloseTo(1.1109, 4);
    expect(w[1]).toBeCloseTo(0.7894, 4);
    const d = direction(w);
    [0.2929, 1.9004, 1.9004].forEach((v, i) => expect(d[i]).toBeCloseTo(v, 4));
  });

  it('DualProj (mean preference, torchjd regularisation): d = [0.5563, 1.1109, 1.1109]', () => {
    const d = direction(dualProj(torchjd).weights(gramOfRows(J), 2));
    [0.5563, 1.1109, 1.1109].forEach((v, i) => expect(d[i]).toBeCloseTo(v, 4));
  });

  it('exact (default) values solved by hand: UPGrad w = [1/2 + 11/18, 1/2 + 11/38], DualProj w = [11/18, 1/2]', () => {
    // project g1/2: v = [1/2, v2], min over v2 of 38 v2² − 22 v2 → v2 = 11/38; (Gv)_1 = 9 − 22·11/38 > 0
    // project g2/2: v = [v1, 1/2] → v1 = 11/18; DualProj: v = [v1, 1/2] with v1 = 11/18 ≥ 1/2
    const w = upgrad().weights(gramOfRows(J), 2);
    expect(w[0]).toBeCloseTo(0.5 + 11 / 18, 14);
    expect(w[1]).toBeCloseTo(0.5 + 11 / 38, 14);
    const p = dualProj().weights(gramOfRows(J), 2);
    expect(p[0]).toBeCloseTo(11 / 18, 14);
    expect(p[1]).toBeCloseTo(0.5, 14);
  });
});

describe('hand-solved cases', () => {
  it('no conflict (all G_ij ≥ 0): both return the preference itself', () => {
    const G = gramOfRows([
      [1, 0, 2],
      [0, 3, 1],
      [1, 1, 1],
    ]);
    for (const f of [upgrad(), dualProj()]) {
      Array.from(f.weights(G, 3)).forEach((v) => expect(v).toBeCloseTo(1 / 3, 14));
    }
    expect(Array.from(upgrad({ reduction: 'sum' }).weights(G, 3))).toEqual([1, 1, 1]);
    expect(Array.from(dualProj({ preference: [2, 0, 1] }).weights(G, 3))).toEqual([2, 0, 1]);
  });

  it('K = 1: w = u for any gradient (a single gradient never conflicts with itself)', () => {
    expect(Array.from(upgrad().weights(Float64Array.of(5), 1))).toEqual([1]);
    expect(Array.from(dualProj({ preference: [3] }).weights(Float64Array.of(0), 1))).toEqual([3]);
  });

  it('zero gradients keep their preference weight (they add nothing to d); all-zero G gives w = u', () => {
    const w = upgrad().weights(
      gramOfRows([
        [1, 2],
        [0, 0],
      ]),
      2,
    );
    expect(Array.from(w)).toEqual([0.5, 0.5]);
    expect(Array.from(dualProj().weights(new Float64Array(9), 3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('opposite gradients g2 = −g1: every projection is 0, so d = 0', () => {
    const G = gramOfRows([
      [1, 2],
      [-1, -2],
    ]);
    for (const f of [upgrad(), dualProj()]) {
      const w = f.weights(G, 2);
      expect(Math.abs(w[0]! - w[1]!)).toBeLessThan(1e-15); // d = (w0 − w1) g1
    }
  });

  it('identical gradients: the preference-weighted combination, unchanged', () => {
    const w = upgrad().weights(
      gramOfRows([
        [1, 2],
        [1, 2],
      ]),
      2,
    );
    expect(Array.from(w)).toEqual([0.5, 0.5]);
  });

  it('a negative preference is projected like any vector: d lands in the dual cone', () => {
    const G = gramOfRows([
      [1, 0],
      [0, 1],
    ]);
    // Σ u_i g_i = (−1, 1): its projection onto the positive quadrant is (0, 1)
    expect(Array.from(dualProj({ preference: [-1, 1] }).weights(G, 2))).toEqual([0, 1]);
  });
});

describe('independent cross-check: brute force over a grid of v ≥ u', () => {
  const objective = (G: Float64Array, K: number, v: ArrayLike<number>) => {
    let q = 0;
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) q += v[i]! * G[i * K + j]! * v[j]!;
    return q;
  };

  it.each([2, 3])('K = %i: no grid point x = v − u ∈ [0, R]^K has a smaller vᵀGv than the solver', (K) => {
    const n = K === 2 ? 200 : 30;
    fc.assert(
      fc.property(
        gramCases(K, K, false),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: K, maxLength: K }),
        ({ G }, u) => {
          const v = projectToDualCone(G, K, u).weights;
          const best = objective(G, K, v);
          const R = 1.5 * Math.max(1e-3, ...v.map((x, i) => x - u[i]!));
          const point = new Float64Array(K);
          const walk = (dim: number): number => {
            if (dim === K) return objective(G, K, point);
            let m = Infinity;
            for (let s = 0; s <= n; s++) {
              point[dim] = u[dim]! + (R * s) / n;
              m = Math.min(m, walk(dim + 1));
            }
            return m;
          };
          expect(best).toBeLessThanOrEqual(walk(0) + 1e-13 * maxDiag(G, K));
        },
      ),
      { numRuns: K === 2 ? 40 : 15 },
    );
  });
});
