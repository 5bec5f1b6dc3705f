import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combine, GramianError, gramDiagnostics, gramMatrix, mean, sum, validateGram } from '../src/index.js';

const vec = (n: number) =>
  fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }), {
    minLength: n,
    maxLength: n,
  });
const grads = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }))
  .chain(([K, P]) => fc.array(vec(P), { minLength: K, maxLength: K }));

function naiveDot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + x * b[i]!, 0);
}

describe('gramMatrix', () => {
  it('equals the naive pairwise dot products and is symmetric', () => {
    fc.assert(
      fc.property(grads, (J) => {
        const K = J.length;
        const G = gramMatrix(J.map((r) => Float64Array.from(r)));
        for (let i = 0; i < K; i++) {
          for (let j = 0; j < K; j++) {
            const ref = naiveDot(J[i]!, J[j]!);
            expect(Math.abs(G[i * K + j]! - ref)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(ref)) + 1e-6);
            expect(G[i * K + j]).toBe(G[j * K + i]);
          }
        }
      }),
    );
  });

  it('works across blocks (P larger than one block) and with Float32Array input', () => {
    const P = 10_001;
    const a = new Float32Array(P).map((_, p) => Math.sin(p));
    const b = new Float32Array(P).map((_, p) => Math.cos(p));
    const G = gramMatrix([a, b]);
    let ab = 0;
    let aa = 0;
    for (let p = 0; p < P; p++) {
      ab += a[p]! * b[p]!;
      aa += a[p]! * a[p]!;
    }
    expect(G[1]).toBeCloseTo(ab, 8);
    expect(G[0]).toBeCloseTo(aa, 8);
  });

  it('names the task holding NaN or Inf', () => {
    const g0 = Float64Array.from([1, 2, 3]);
    const g1 = Float64Array.from([1, Number.NaN, 3]);
    const err = (() => {
      try {
        gramMatrix([g0, g1], ['original', 'synthesized']);
      } catch (e) {
        return e;
      }
    })() as GramianError;
    expect(err).toBeInstanceOf(GramianError);
    expect(err.code).toBe('non-finite');
    expect(err.task).toBe(1);
    expect(err.message).toContain('synthesized');
    expect(() => gramMatrix([g0, Float64Array.from([Infinity, 0, 0])])).toThrow(/task 1/);
  });

  it('rejects gradients of different lengths, naming the task', () => {
    expect(() => gramMatrix([new Float64Array(3), new Float64Array(3), new Float64Array(2)])).toThrow(
      /task 2/,
    );
    expect(() => gramMatrix([])).toThrow(GramianError);
  });

  it('stays finite from 1e-10 to 1e15', () => {
    for (const s of [1e-10, 1e-5, 1, 1e5, 1e10, 1e15]) {
      const G = gramMatrix([Float64Array.from([s, 2 * s]), Float64Array.from([-s, s])]);
      expect(G.every(Number.isFinite)).toBe(true);
      expect(G[0]).toBeCloseTo(5 * s * s, -Math.log10(s * s) + 6);
    }
  });
});

describe('validateGram', () => {
  it('rejects wrong size, non-finite entries, negative diagonal and asymmetry with a typed code', () => {
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return (e as GramianError).code;
      }
      return 'none';
    };
    expect(code(() => validateGram(new Float64Array(3), 2))).toBe('shape');
    expect(code(() => validateGram(Float64Array.from([1, 0, 0, Number.NaN]), 2))).toBe('non-finite');
    expect(code(() => validateGram(Float64Array.from([1, 0, 0, -1]), 2))).toBe('negative-diagonal');
    expect(code(() => validateGram(Float64Array.from([1, 0.5, 0.2, 1]), 2))).toBe('asymmetric');
    expect(code(() => validateGram(Float64Array.from([1, 0.5, 0.5, 1]), 2))).toBe('none');
  });
});

describe('combine', () => {
  it('is linear: <g_i, combine(w)> = (G w)_i', () => {
    fc.assert(
      fc.property(
        grads,
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (J, ws) => {
          const K = J.length;
          const g = J.map((r) => Float64Array.from(r));
          const w = ws.slice(0, K);
          const d = combine(g, w);
          const G = gramMatrix(g);
          const diag = gramDiagnostics(G, K, w);
          for (let i = 0; i < K; i++) {
            const ref = naiveDot(J[i]!, Array.from(d));
            expect(Math.abs(diag.decrease![i]! - ref)).toBeLessThanOrEqual(1e-7 * (1 + Math.abs(ref)) + 1e-4);
          }
        },
      ),
    );
  });

  it('rejects a weight count that does not match K', () => {
    expect(() => combine([new Float64Array(2)], [1, 2])).toThrow(GramianError);
    expect(() => combine([new Float64Array(2)], [Number.NaN])).toThrow(/weight NaN/);
  });
});

describe('unit weights and shares (the update in normalised gradients)', () => {
  it('rebuild d = Σ α_i ĝ_i from the vectors, with Σ|share| = 1, invariant to the scale of G', () => {
    fc.assert(
      fc.property(
        grads,
        // Denormal weights underflow to 0 once scaled (α_i = w_i ||g_i||): not a weighting's output.
        fc.array(
          fc.double({ min: -5, max: 5, noNaN: true }).map((v) => (Math.abs(v) < 1e-100 ? 0 : v)),
          { minLength: 6, maxLength: 6 },
        ),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        (J, ws, s) => {
          const K = J.length;
          const g = J.map((r) => Float64Array.from(r));
          const w = ws.slice(0, K);
          const d = combine(g, w);
          const G = gramMatrix(g);
          const diag = gramDiagnostics(G, K, w);
          // Independent path: unit vectors from the gradients themselves, not from G.
          const rebuilt = new Float64Array(d.length);
          J.forEach((row, i) => {
            const n = Math.sqrt(naiveDot(row, row));
            if (n > 0) row.forEach((v, p) => (rebuilt[p]! += (diag.unitWeights![i]! * v) / n));
          });
          const scale = Math.max(1, ...Array.from(d, Math.abs));
          rebuilt.forEach((v, p) => expect(Math.abs(v - d[p]!)).toBeLessThanOrEqual(1e-9 * scale));
          const total = diag.shares!.reduce((a, v) => a + Math.abs(v), 0);
          if (diag.unitWeights!.some((a) => a !== 0)) expect(total).toBeCloseTo(1, 12);
          else expect(total).toBe(0);
          // G -> sG (every gradient times sqrt(s)): α scales by sqrt(s), shares do not move.
          const scaled = gramDiagnostics(
            G.map((v) => v * s),
            K,
            w,
          );
          scaled.shares!.forEach((v, i) => expect(Math.abs(v - diag.shares![i]!)).toBeLessThanOrEqual(1e-9));
        },
      ),
    );
  });

  it('a converged task with a huge weight contributes on the scale of its gradient', () => {
    // ||g_2|| = 1e-9 with w_2 = 1e6: the weight reads as importance 1e6, its share of d is 1e-3 / (1 + 1e-3).
    const G = Float64Array.from([1, 0, 0, 1e-18]);
    const diag = gramDiagnostics(G, 2, [1, 1e6]);
    expect(diag.unitWeights![0]).toBe(1);
    expect(diag.unitWeights![1]).toBeCloseTo(1e-3, 15);
    expect(diag.shares![1]).toBeCloseTo(1e-3 / 1.001, 15);
  });
});

describe('mean and sum', () => {
  it('give 1/K and 1', () => {
    expect(Array.from(mean().weights(new Float64Array(9), 3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(Array.from(sum().weights(new Float64Array(4), 2))).toEqual([1, 1]);
  });
});

describe('gramDiagnostics', () => {
  it('reports the published example: J = [[-4,1,1],[6,1,1]] conflicts', () => {
    const G = gramMatrix([Float64Array.from([-4, 1, 1]), Float64Array.from([6, 1, 1])]);
    const d = gramDiagnostics(G, 2, [0.5, 0.5]);
    expect(d.norms[0]).toBeCloseTo(Math.sqrt(18), 12);
    expect(d.cosines[1]).toBeCloseTo(-22 / Math.sqrt(18 * 38), 12);
    expect(d.conflicts).toEqual([[0, 1]]);
    expect(d.normRatio).toBeCloseTo(Math.sqrt(38 / 18), 12);
    // d = [1, 1, 1]
    expect(d.decrease).toEqual([-2, 8]);
    expect(d.updateNorm).toBeCloseTo(Math.sqrt(3), 12);
  });

  it('gives cosine 0 and ratio Infinity for a zero gradient, never NaN', () => {
    const d = gramDiagnostics(Float64Array.from([0, 0, 0, 4]), 2);
    expect(d.cosines).toEqual([0, 0, 0, 1]);
    expect(d.normRatio).toBe(Infinity);
    expect(gramDiagnostics(new Float64Array(4), 2).normRatio).toBe(1);
  });
});
