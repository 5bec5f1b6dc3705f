// The least-squares similarity fit (moved here from @cs-dfd/data's face alignment and @cs-dfd/forgery's face swap).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applySimilarity,
  fitSimilarity,
  ImagingError,
  invertSimilarity,
  type Similarity,
} from '../src/index.js';

const coord = fc.double({ min: -500, max: 500, noNaN: true });
const point = fc.tuple(coord, coord);
const similarity = fc.record({
  scale: fc.double({ min: 0.05, max: 20, noNaN: true }),
  angle: fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
  tx: coord,
  ty: coord,
});
const toT = (s: { scale: number; angle: number; tx: number; ty: number }): Similarity => ({
  a: s.scale * Math.cos(s.angle),
  b: s.scale * Math.sin(s.angle),
  tx: s.tx,
  ty: s.ty,
});
/** Point sets with some spread (coincident sets have no defined similarity). */
const spread = (min: number) =>
  fc.array(point, { minLength: min, maxLength: 12 }).filter((ps) => {
    const [x0, y0] = ps[0]!;
    return ps.some(([x, y]) => Math.hypot(x - x0, y - y0) > 1);
  });

describe('fitSimilarity', () => {
  it('recovers a similarity exactly from noise-free pairs', () => {
    fc.assert(
      fc.property(similarity, spread(2), (s, src) => {
        const t = toT(s);
        const got = fitSimilarity(
          src,
          src.map((p) => applySimilarity(t, p)),
        );
        const tol = 1e-7 * (1 + Math.abs(s.tx) + Math.abs(s.ty) + 500 * s.scale);
        expect(Math.abs(got.a - t.a)).toBeLessThan(1e-7 * (1 + s.scale));
        expect(Math.abs(got.b - t.b)).toBeLessThan(1e-7 * (1 + s.scale));
        expect(Math.abs(got.tx - t.tx)).toBeLessThan(tol);
        expect(Math.abs(got.ty - t.ty)).toBeLessThan(tol);
      }),
    );
  });

  it('equals the generic least-squares solution (normal equations in a, b, tx, ty) on noisy pairs', () => {
    fc.assert(
      fc.property(spread(3), fc.array(point, { minLength: 12, maxLength: 12 }), (src, dst12) => {
        const dst = dst12.slice(0, src.length);
        const got = fitSimilarity(src, dst);
        // rows [x, -y, 1, 0] -> x', [y, x, 0, 1] -> y'; solve AᵀA θ = Aᵀb by Gaussian elimination
        const ata = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
        const atb = [0, 0, 0, 0];
        for (let i = 0; i < src.length; i++) {
          const [x, y] = src[i]!;
          for (const [row, rhs] of [
            [[x, -y, 1, 0], dst[i]![0]],
            [[y, x, 0, 1], dst[i]![1]],
          ] as [number[], number][]) {
            for (let r = 0; r < 4; r++) {
              atb[r]! += row[r]! * rhs;
              for (let c = 0; c < 4; c++) ata[r]![c]! += row[r]! * row[c]!;
            }
          }
        }
        const m = ata.map((r, i) => [...r, atb[i]!]);
        for (let c = 0; c < 4; c++) {
          let p = c;
          for (let r = c + 1; r < 4; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
          [m[c], m[p]] = [m[p]!, m[c]!];
          for (let r = 0; r < 4; r++) {
            if (r === c) continue;
            const f = m[r]![c]! / m[c]![c]!;
            for (let k = c; k < 5; k++) m[r]![k]! -= f * m[c]![k]!;
          }
        }
        const theta = m.map((r, i) => r[4]! / r[i]!);
        const scale = 1 + Math.abs(theta[0]!) + Math.abs(theta[1]!);
        expect(Math.abs(got.a - theta[0]!)).toBeLessThan(1e-6 * scale);
        expect(Math.abs(got.b - theta[1]!)).toBeLessThan(1e-6 * scale);
        expect(Math.abs(got.tx - theta[2]!)).toBeLessThan(1e-6 * (1 + Math.abs(theta[2]!)) * 500);
        expect(Math.abs(got.ty - theta[3]!)).toBeLessThan(1e-6 * (1 + Math.abs(theta[3]!)) * 500);
      }),
    );
  });

  it('inverts: t⁻¹(t(p)) = p', () => {
    fc.assert(
      fc.property(similarity, point, (s, p) => {
        const t = toT(s);
        const back = applySimilarity(invertSimilarity(t), applySimilarity(t, p));
        expect(Math.abs(back[0] - p[0])).toBeLessThan(
          (1e-8 * (1 + Math.abs(s.tx) + Math.abs(s.ty) + 500 * s.scale)) / s.scale,
        );
        expect(Math.abs(back[1] - p[1])).toBeLessThan(
          (1e-8 * (1 + Math.abs(s.tx) + Math.abs(s.ty) + 500 * s.scale)) / s.scale,
        );
      }),
    );
  });

  it('refuses coincident, non-finite or too few points with a typed error', () => {
    expect(() =>
      fitSimilarity(
        [
          [3, 4],
          [3, 4],
          [3, 4],
        ],
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      ),
    ).toThrow(/coincide/);
    expect(() =>
      fitSimilarity(
        [
          [1, 1],
          [1, 1],
        ],
        [
          [0, 0],
          [1, 0],
        ],
      ),
    ).toThrow(ImagingError);
    expect(() => invertSimilarity({ a: 0, b: 0, tx: 1, ty: 2 })).toThrow(/zero scale/);
    expect(() => fitSimilarity([[0, 0]], [[1, 1]])).toThrow(/needs >= 2 point pairs/);
    expect(() =>
      fitSimilarity(
        [
          [0, 0],
          [Number.NaN, 1],
        ],
        [
          [1, 1],
          [2, 2],
        ],
      ),
    ).toThrow(/pair 1 is not finite/);
  });
});
