import { GramianError, gramOfRows } from '@cs-dfd/gramian';
import { uvs } from '@cs-dfd/uvs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cagrad } from '../src/index.js';

const J = [
  [-4, 1, 1],
  [6, 1, 1],
];
const combine = (rows: number[][], w: ArrayLike<number>) =>
  rows[0]!.map((_, p) => rows.reduce((s, r, i) => s + w[i]! * r[p]!, 0));

describe('CAGrad', () => {
  it("torchjd's golden value: c = 0.5, no rescale, mean -> w = [0.7041, 0.5], d = [0.1835, 1.2041, 1.2041]", () => {
    const w = cagrad({ rescale: 'none' }).weights(gramOfRows(J), 2);
    expect(w[0]).toBeCloseTo(0.7041, 4);
    expect(w[1]).toBeCloseTo(0.5, 4);
    const d = combine(J, w);
    [0.1835, 1.2041, 1.2041].forEach((v, p) => expect(d[p]).toBeCloseTo(v, 4));
  });

  it('defaults: c = 0.5 and the update divided by 1 + c² = 1.25', () => {
    const G = gramOfRows(J);
    const def = cagrad().solve!(G, 2);
    const raw = cagrad({ rescale: 'none' }).weights(G, 2);
    expect(def.info.c).toBe(0.5);
    expect(def.info.scale).toBe(1 / 1.25);
    raw.forEach((v, i) => expect(def.weights[i]).toBeCloseTo(v / 1.25, 15));
  });

  it('same objective as UVS: identical weights whenever the conventions are set equal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 2, max: 4 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (v, K, c) => {
          const rows = Array.from({ length: K }, (_, i) => v.slice(3 * i, 3 * i + 3));
          const G = gramOfRows(rows);
          const a = cagrad({ c, rescale: 'one-plus-c' }).weights(G, K);
          const b = uvs({ c, rescale: 'one-plus-c' }).weights(G, K);
          expect(Array.from(a)).toEqual(Array.from(b));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('bad options are typed errors', () => {
    expect(() => cagrad({ c: -1 })).toThrow(GramianError);
    expect(() => cagrad({ rescale: 'x' as never })).toThrow(/rescale/);
  });
});
