import { GramianError, gramOfRows } from '@cs-dfd/gramian';
import { pcgrad } from '@cs-dfd/pcgrad';
import { Rng } from '@cs-dfd/rng';
import { expectBadGramsRejected, GOLDEN_J, type Problem, problems, update } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradVac, MAX_TARGET } from '../src/index.js';

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, p) => s + x * b[p]!, 0);

/**
 * GradVac on explicit vectors, written from the paper's description with the conventions gradVac() documents
 * (seeded order, targets capped at MAX_TARGET, EMA of the original pairwise cosines after the step).
 */
class VectorGradVac {
  private readonly rng: Rng;
  targets: number[][] | null = null;
  constructor(
    seed: number,
    private readonly beta: number,
  ) {
    this.rng = new Rng(seed);
  }

  step(J: number[][]): number[] {
    const K = J.length;
    const P = J[0]!.length;
    const T = this.targets ?? J.map(() => new Array<number>(K).fill(0));
    const norm = (v: readonly number[]) => Math.sqrt(dot(v, v));
    const d = new Array<number>(P).fill(0);
    for (let i = 0; i < K; i++) {
      const order = this.rng.permutation(K);
      const v = J[i]!.slice();
      for (const j of order) {
        const nj = norm(J[j]!);
        const nv = norm(v);
        if (j === i || nj === 0 || nv === 0) continue;
        const phi = Math.max(-1, Math.min(1, dot(v, J[j]!) / (nv * nj)));
        const t = Math.min(T[i]![j]!, MAX_TARGET);
        if (phi < t) {
          const a =
            (nv * (t * Math.sqrt(1 - phi * phi) - phi * Math.sqrt(1 - t * t))) / (nj * Math.sqrt(1 - t * t));
          for (let p = 0; p < P; p++) v[p] = v[p]! + a * J[j]![p]!;
        }
      }
      for (let p = 0; p < P; p++) d[p] = d[p]! + v[p]!;
    }
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        const den = norm(J[i]!) * norm(J[j]!);
        if (i !== j && den > 0)
          T[i]![j] = (1 - this.beta) * T[i]![j]! + (this.beta * dot(J[i]!, J[j]!)) / den;
      }
    }
    this.targets = T;
    return d;
  }
}

/** Vector entries; tiny ones become exact zeros so that squared norms stay out of the subnormal range. */
const entry = fc.double({ min: -10, max: 10, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x));

/** A few steps of problems with the same K. */
const sequences = (minK = 1, maxK = 5, steps = 4) =>
  fc
    .integer({ min: minK, max: maxK })
    .chain((K) => fc.array(problems({ minK: K, maxK: K }), { minLength: 1, maxLength: steps }));

describe('gradVac: published values and PCGrad', () => {
  it("fresh state reproduces PCGrad's golden weights on J = [[-4, 1, 1], [6, 1, 1]]", () => {
    const w = gradVac().weights(gramOfRows(GOLDEN_J), 2);
    expect(w[0]).toBeCloseTo(2.2222, 4);
    expect(w[1]).toBeCloseTo(1.5789, 4);
    const d = update(GOLDEN_J, w);
    [0.5848, 3.8012, 3.8012].forEach((x, p) => expect(d[p]).toBeCloseTo(x, 4));
  });

  it('fresh state equals @cs-dfd/pcgrad with the same seed, on random problems', () => {
    fc.assert(
      fc.property(problems(), fc.integer(), ({ G, K }, seed) => {
        const a = gradVac({ seed }).weights(G, K);
        const b = pcgrad({ seed }).weights(G, K);
        const size = Math.max(1, ...Array.from(b, Math.abs));
        b.forEach((x, i) => expect(Math.abs(a[i]! - x)).toBeLessThanOrEqual(1e-9 * size));
      }),
      { numRuns: 300 },
    );
  });

  it('a fixed target of 0 is PCGrad at every step', () => {
    fc.assert(
      fc.property(sequences(), fc.integer(), (seq, seed) => {
        const gv = gradVac({ seed, target: 0 });
        const pc = pcgrad({ seed });
        for (const { G, K } of seq) {
          const a = gv.weights(G, K);
          const b = pc.weights(G, K);
          const size = Math.max(1, ...Array.from(b, Math.abs));
          b.forEach((x, i) => expect(Math.abs(a[i]! - x)).toBeLessThanOrEqual(1e-9 * size));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('gradVac: Gram space equals the vector algorithm', () => {
  it('over several stateful steps on random explicit vectors', () => {
    const vecs = (K: number, P: number) =>
      fc.array(fc.array(entry, { minLength: P, maxLength: P }), {
        minLength: K,
        maxLength: K,
      });
    const seqs = fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }))
      .chain(([K, P]) => fc.array(vecs(K, P), { minLength: 1, maxLength: 5 }));
    fc.assert(
      fc.property(seqs, fc.integer(), fc.double({ min: 0.05, max: 1, noNaN: true }), (seq, seed, beta) => {
        const gv = gradVac({ seed, beta });
        const ref = new VectorGradVac(seed, beta);
        for (const J of seq) {
          const K = J.length;
          const dGram = update(J, gv.weights(gramOfRows(J), K));
          const dVec = ref.step(J);
          const scale = Math.max(1e-300, ...J.map((r) => Math.sqrt(dot(r, r))));
          // corrections are at most ~1e3 ||g_i|| (the target cap), hence the looser bound
          dVec.forEach((x, p) => expect(Math.abs(x - dGram[p]!)).toBeLessThanOrEqual(1e-7 * K * scale));
          const T = gv.targets()!;
          ref.targets!.forEach((row, i) => row.forEach((t, j) => expect(T[i * K + j]).toBeCloseTo(t, 12)));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('gradVac: the update rule', () => {
  it('K = 2: a corrected gradient has exactly the target cosine with the other one', () => {
    fc.assert(
      fc.property(
        problems({ minK: 2, maxK: 2, zeroRows: false, scaled: false }),
        fc.double({ min: -0.9, max: 0.9, noNaN: true }),
        ({ G, J }, target) => {
          const w = gradVac({ target }).weights(G, 2);
          // w = c^(0) + c^(1) with c^(0) = [1, a0], c^(1) = [a1, 1]
          const a0 = w[1]! - 1;
          const a1 = w[0]! - 1;
          const cos = (x: number[], y: number[]) => dot(x, y) / Math.sqrt(dot(x, x) * dot(y, y));
          const [g0, g1] = [J[0]!, J[1]!];
          if (dot(g0, g0) === 0 || dot(g1, g1) === 0) return;
          const phi = cos(g0, g1);
          for (const [a, gi, gj] of [
            [a0, g0, g1],
            [a1, g1, g0],
          ] as const) {
            if (phi < target) {
              const adjusted = gi.map((x, p) => x + a * gj[p]!);
              // opposite collinear gradients with target 0 cancel exactly: no cosine to check
              if (Math.sqrt(dot(adjusted, adjusted)) <= 1e-9 * Math.sqrt(dot(gi, gi))) continue;
              expect(cos(adjusted, gj)).toBeCloseTo(target, 6);
            } else {
              expect(a).toBe(0);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('targets follow the EMA φ (1 − (1 − β)^n) under a constant G, and reset() forgets them', () => {
    const G = gramOfRows(GOLDEN_J);
    const phi = -22 / Math.sqrt(18 * 38);
    const beta = 0.1;
    const gv = gradVac({ beta });
    expect(gv.targets()).toBeNull();
    for (let n = 1; n <= 30; n++) {
      gv.weights(G, 2);
      const T = gv.targets()!;
      const expected = phi * (1 - (1 - beta) ** n);
      expect(T[1]).toBeCloseTo(expected, 12);
      expect(T[2]).toBeCloseTo(expected, 12);
      expect(T[0]).toBe(0);
    }
    gv.reset();
    expect(gv.targets()).toBeNull();
    expect(gv.weights(G, 2)[0]).toBeCloseTo(2.2222, 4);
  });

  it('with a negative target below the observed cosine nothing is corrected (the conflict is tolerated)', () => {
    const G = gramOfRows(GOLDEN_J); // cos = -0.8412
    const { weights, info } = gradVac({ target: -0.9 }).solve(G, 2);
    expect(Array.from(weights)).toEqual([1, 1]);
    expect(info.adjustments).toBe(0);
  });
});

describe('gradVac: properties', () => {
  it('finite weights over stateful sequences of rank-deficient, zero and scaled (1e-10..1e15) problems', () => {
    fc.assert(
      fc.property(
        sequences(1, 5, 6),
        fc.integer(),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (seq, seed, beta) => {
          const gv = gradVac({ seed, beta });
          for (const { G, K } of seq) {
            const w = gv.weights(G, K);
            expect(w.every(Number.isFinite)).toBe(true);
            expect(gv.targets()!.every((t) => t >= -1 && t <= 1)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('weights and state are invariant under G -> sG (bit-identical for s an even power of two)', () => {
    fc.assert(
      fc.property(sequences(), fc.integer({ min: -33, max: 50 }), fc.integer(), (seq, k, seed) => {
        const s = 4 ** k; // sqrt(s) exact, so every norm scales exactly
        const a = gradVac({ seed, beta: 0.3 });
        const b = gradVac({ seed, beta: 0.3 });
        for (const { G, K } of seq as Problem[]) {
          expect(
            Array.from(
              b.weights(
                G.map((x) => x * s),
                K,
              ),
            ),
          ).toEqual(Array.from(a.weights(G, K)));
        }
        expect(b.targets()).toEqual(a.targets());
      }),
      { numRuns: 150 },
    );
  });

  it('K = 2: swapping the tasks swaps the weights (the order is irrelevant for two tasks)', () => {
    fc.assert(
      fc.property(problems({ minK: 2, maxK: 2 }), ({ G }) => {
        const w = gradVac().weights(G, 2);
        const ws = gradVac().weights(Float64Array.of(G[3]!, G[2]!, G[1]!, G[0]!), 2);
        expect(ws[0]).toBeCloseTo(w[1]!, 9);
        expect(ws[1]).toBeCloseTo(w[0]!, 9);
      }),
    );
  });

  it('K = 1 gives the gradient itself', () => {
    const gv = gradVac();
    for (const g of [0, 1e-20, 3, 1e30]) expect(Array.from(gv.weights(Float64Array.of(g), 1))).toEqual([1]);
  });

  it('identical gradients drive the targets to 1; a later, different pair still gets finite weights', () => {
    const gv = gradVac({ beta: 0.5 });
    const same = gramOfRows([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    for (let n = 0; n < 80; n++) expect(Array.from(gv.weights(same, 2))).toEqual([1, 1]);
    expect(gv.targets()![1]).toBe(1);
    const J = [
      [1, 2, 3],
      [1, 2, 3.5],
    ];
    const w = gv.weights(gramOfRows(J), 2);
    expect(w.every(Number.isFinite)).toBe(true);
    // both corrected gradients reach cosine MAX_TARGET with the other one
    const g0 = J[0]!.map((x, p) => x + (w[1]! - 1) * J[1]![p]!);
    expect(dot(g0, J[1]!) / Math.sqrt(dot(g0, g0) * dot(J[1]!, J[1]!))).toBeCloseTo(MAX_TARGET, 6);
  });

  it('opposite collinear gradients cancel to d = 0 on a fresh state', () => {
    const J = [
      [1, 2, -1],
      [-3, -6, 3],
    ];
    const d = update(J, gradVac().weights(gramOfRows(J), 2));
    d.forEach((x) => expect(Math.abs(x)).toBeLessThanOrEqual(1e-12));
  });
});

describe('gradVac: bad input', () => {
  it('rejects invalid Gram matrices with typed errors', () => {
    expectBadGramsRejected(() => gradVac());
  });

  it('refuses a different K while it holds targets, until reset()', () => {
    const gv = gradVac();
    gv.weights(gramOfRows(GOLDEN_J), 2);
    const G3 = gramOfRows([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(() => gv.weights(G3, 3)).toThrow(expect.objectContaining({ code: 'shape' }));
    expect(() => gv.weights(G3, 3)).toThrow(/reset/);
    gv.reset();
    expect(gv.weights(G3, 3)).toHaveLength(3);
  });

  it('rejects invalid options', () => {
    for (const beta of [0, -0.1, 1.5, Number.NaN]) {
      expect(() => gradVac({ beta })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    }
    for (const target of [1, -1.5, Number.NaN]) {
      expect(() => gradVac({ target })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    }
    expect(() => gradVac({ seed: Number.POSITIVE_INFINITY })).toThrow(GramianError);
    expect(() => gradVac({ reduction: 'avg' as never })).toThrow(/reduction/);
  });
});
