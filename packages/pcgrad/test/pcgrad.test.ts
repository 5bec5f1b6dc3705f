import { gramOfRows } from '@cs-dfd/gramian';
import { Rng } from '@cs-dfd/rng';
import { expectBadGramsRejected, GOLDEN_J, gramTimes, problems, update } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pcgrad } from '../src/index.js';

/** PCGrad on explicit vectors, written from the paper's Algorithm 1, with the order stream documented by pcgrad(). */
function pcgradOnVectors(g: readonly Float64Array[], rng: Rng): Float64Array {
  const K = g.length;
  const P = g[0]!.length;
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, p) => s + x * b[p]!, 0);
  const d = new Float64Array(P);
  for (let i = 0; i < K; i++) {
    const order = rng.permutation(K);
    const v = g[i]!.slice();
    for (const j of order) {
      const nn = dot(g[j]!, g[j]!);
      if (j === i || nn === 0) continue;
      const ip = dot(v, g[j]!);
      if (ip < 0) for (let p = 0; p < P; p++) v[p] = v[p]! - (ip / nn) * g[j]![p]!;
    }
    for (let p = 0; p < P; p++) d[p] = d[p]! + v[p]!;
  }
  return d;
}

describe('pcgrad: published values', () => {
  it("reproduces torchjd's golden weights and update on J = [[-4, 1, 1], [6, 1, 1]]", () => {
    const w = pcgrad().weights(gramOfRows(GOLDEN_J), 2);
    expect(w[0]).toBeCloseTo(2.2222, 4);
    expect(w[1]).toBeCloseTo(1.5789, 4);
    const d = update(GOLDEN_J, w);
    [0.5848, 3.8012, 3.8012].forEach((x, p) => expect(d[p]).toBeCloseTo(x, 4));
  });

  it("'mean' reduction divides the 'sum' weights by K", () => {
    const G = gramOfRows(GOLDEN_J);
    const sum = pcgrad().weights(G, 2);
    const mean = pcgrad({ reduction: 'mean' }).weights(G, 2);
    expect(Array.from(mean)).toEqual(Array.from(sum).map((x) => x / 2));
  });
});

/** Vector entries; tiny ones become exact zeros so that squared norms stay out of the subnormal range. */
const entry = fc.double({ min: -10, max: 10, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x));

describe('pcgrad: Gram space equals the vector algorithm', () => {
  it('on random explicit vectors with the same seeded order', () => {
    const vectors = fc.integer({ min: 1, max: 6 }).chain((K) =>
      fc.integer({ min: 1, max: 8 }).chain((P) =>
        fc.array(fc.array(entry, { minLength: P, maxLength: P }), {
          minLength: K,
          maxLength: K,
        }),
      ),
    );
    fc.assert(
      fc.property(vectors, fc.integer(), (J, seed) => {
        const K = J.length;
        const g = J.map((r) => Float64Array.from(r));
        const w = pcgrad({ seed }).weights(gramOfRows(J), K);
        const dGram = update(J, w);
        const dVec = pcgradOnVectors(g, new Rng(seed));
        const scale = Math.max(1e-300, ...g.map((r) => Math.hypot(...r)));
        dVec.forEach((x, p) => expect(Math.abs(x - dGram[p]!)).toBeLessThanOrEqual(1e-9 * K * scale));
      }),
      { numRuns: 300 },
    );
  });
});

describe('pcgrad: properties', () => {
  it('returns finite weights for rank-deficient, zero and scaled (1e-10..1e15) gradients', () => {
    fc.assert(
      fc.property(problems(), fc.integer(), ({ G, K }, seed) => {
        const w = pcgrad({ seed }).weights(G, K);
        expect(w).toHaveLength(K);
        expect(w.every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never conflicts with K = 2: <g_i, d> >= 0', () => {
    fc.assert(
      fc.property(problems({ minK: 2, maxK: 2 }), ({ G }) => {
        const w = pcgrad().weights(G, 2);
        const dec = gramTimes(G, 2, w);
        for (let i = 0; i < 2; i++) {
          const bound = 1e-12 * (Math.abs(G[i * 2]! * w[0]!) + Math.abs(G[i * 2 + 1]! * w[1]!));
          expect(dec[i]).toBeGreaterThanOrEqual(-bound);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('weights are invariant under G -> sG (bit-identical for s a power of two)', () => {
    fc.assert(
      fc.property(problems(), fc.integer({ min: -66, max: 100 }), fc.integer(), ({ G, K }, k, seed) => {
        const s = 2 ** k;
        const w = pcgrad({ seed }).weights(G, K);
        const ws = pcgrad({ seed }).weights(
          G.map((x) => x * s),
          K,
        );
        expect(Array.from(ws)).toEqual(Array.from(w));
      }),
      { numRuns: 200 },
    );
  });

  it('K = 1 gives the gradient itself, zero or not', () => {
    for (const g11 of [0, 1e-20, 3, 1e30])
      expect(Array.from(pcgrad().weights(Float64Array.of(g11), 1))).toEqual([1]);
  });

  it('identical gradients do not conflict: w = 1 (sum)', () => {
    const J = [
      [1, -2, 3],
      [1, -2, 3],
      [1, -2, 3],
    ];
    expect(Array.from(pcgrad().weights(gramOfRows(J), 3))).toEqual([1, 1, 1]);
  });

  it('opposite collinear gradients cancel to d = 0 with finite weights', () => {
    for (const a of [1e-6, 0.5, 1, 7, 1e8]) {
      const J = [
        [1, 2, -1],
        [-a, -2 * a, a],
      ];
      const G = gramOfRows(J);
      const w = pcgrad().weights(G, 2);
      expect(w[0]).toBeCloseTo(1 + a, 6);
      expect(w[1]! / (1 + 1 / a)).toBeCloseTo(1, 12);
      const d = update(J, w);
      const size = (1 + a) * Math.hypot(...J[0]!);
      d.forEach((x) => expect(Math.abs(x)).toBeLessThanOrEqual(1e-12 * size));
    }
  });

  it('a zero gradient is never projected on and keeps the others unchanged', () => {
    const J = [
      [0, 0, 0],
      [1, 2, 3],
    ];
    expect(Array.from(pcgrad().weights(gramOfRows(J), 2))).toEqual([1, 1]);
  });
});

describe('pcgrad: seeded order', () => {
  // Three mutually conflicting gradients: the projection order changes the result.
  const J = [
    [1, 0, 0.2],
    [-0.8, 1, 0],
    [-0.3, -0.9, 0.5],
  ];
  const G = gramOfRows(J);

  it('is reproducible, restarts on reset(), and counts projections', () => {
    const a = pcgrad({ seed: 7 });
    const first = [a.weights(G, 3), a.weights(G, 3), a.weights(G, 3)].map((w) => Array.from(w));
    a.reset();
    const again = [a.weights(G, 3), a.weights(G, 3), a.weights(G, 3)].map((w) => Array.from(w));
    expect(again).toEqual(first);
    expect(pcgrad({ seed: 7 }).solve(G, 3).info.projections).toBeGreaterThan(0);
  });

  it('counts exactly the projections made: conflicting pairs only, not orthogonal or zero ones', () => {
    // each of the two conflicting gradients is projected once onto the other: 2
    expect(
      pcgrad().solve(
        gramOfRows([
          [1, 0],
          [-1, 1],
        ]),
        2,
      ).info.projections,
    ).toBe(2);
    // orthogonal (<g_i, g_j> = 0) and agreeing pairs are not conflicts: 0
    expect(
      pcgrad().solve(
        gramOfRows([
          [1, 0],
          [0, 2],
        ]),
        2,
      ).info.projections,
    ).toBe(0);
    expect(
      pcgrad().solve(
        gramOfRows([
          [1, 0],
          [1, 1],
        ]),
        2,
      ).info.projections,
    ).toBe(0);
    // a zero gradient is never projected on, and the others do not conflict with it: 0
    expect(
      pcgrad().solve(
        gramOfRows([
          [0, 0],
          [1, 2],
          [2, 1],
        ]),
        3,
      ).info.projections,
    ).toBe(0);
  });

  it('depends on the seed when K >= 3 (the order matters)', () => {
    const distinct = new Set<string>();
    for (let seed = 0; seed < 20; seed++) distinct.add(Array.from(pcgrad({ seed }).weights(G, 3)).join());
    expect(distinct.size).toBeGreaterThan(1);
  });
});

describe('pcgrad: bad input', () => {
  it('rejects invalid Gram matrices with typed errors', () => {
    expectBadGramsRejected(() => pcgrad());
  });

  it('rejects invalid options', () => {
    expect(() => pcgrad({ seed: Number.NaN })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    expect(() => pcgrad({ seed: Number.POSITIVE_INFINITY })).toThrow(
      'pcgrad: option seed must be a finite number, got Infinity',
    );
    expect(() => pcgrad({ reduction: 'avg' as never })).toThrow(/^pcgrad: option reduction/);
  });

  it('reports its name', () => {
    expect(pcgrad().name).toBe('pcgrad');
  });
});
