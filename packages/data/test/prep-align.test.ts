// The geometry of the face alignment: template, similarity estimate, warp. Pure host code, no face-api.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrepError } from '../src/prep/errors.js';
import {
  applySimilarity,
  estimateSimilarity,
  invertSimilarity,
  type Point,
  type Similarity,
} from '../src/prep/similarity.js';
import { ARCFACE_TEMPLATE_96x112, alignmentTemplate, fivePoints } from '../src/prep/template.js';
import { warpSimilarity } from '../src/prep/warp.js';

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

describe('alignmentTemplate', () => {
  it('at 112 px and scale 1 is the ArcFace template moved 8 px right (DeepfakeBench img_align_crop)', () => {
    const t = alignmentTemplate(112, 1);
    for (const [i, [x, y]] of ARCFACE_TEMPLATE_96x112.entries()) {
      expect(t[i]![0]).toBeCloseTo(x + 8, 10);
      expect(t[i]![1]).toBeCloseTo(y, 10);
    }
  });

  it("at 256 px and scale 1.3 matches DeepfakeBench's formula evaluated independently (Python)", () => {
    // ((x + 8)·256/112 + 38.4)·256/332.8 and (y·256/112 + 38.4)·256/332.8, from preprocessing/preprocess.py
    const golden: Point[] = [
      [96.86962637362636, 120.43305494505492],
      [158.82514285714285, 120.0903736263736],
      [128.04430769230768, 155.66874725274724],
      [102.59217582417581, 191.93934065934064],
      [153.89872527472525, 191.65556043956042],
    ];
    const t = alignmentTemplate(256, 1.3);
    for (let i = 0; i < 5; i++) {
      expect(t[i]![0]).toBeCloseTo(golden[i]![0], 9);
      expect(t[i]![1]).toBeCloseTo(golden[i]![1], 9);
    }
  });

  it('rejects sizes and scales that make no crop', () => {
    expect(() => alignmentTemplate(4)).toThrow(/size must be an integer >= 8, got 4/);
    expect(() => alignmentTemplate(256, 0.9)).toThrow(/scale must be a number >= 1, got 0.9/);
    expect(() => alignmentTemplate(256, Number.NaN)).toThrow(PrepError);
  });
});

describe('fivePoints', () => {
  it('takes the eye centres, nose tip 30 and mouth corners 48, 54 of the iBUG-300W order', () => {
    const lm: Point[] = Array.from({ length: 68 }, (_, i) => [i, 1000 + 2 * i]);
    expect(fivePoints(lm)).toEqual([
      [38.5, 1077], // mean of 36..41
      [44.5, 1089], // mean of 42..47
      [30, 1060],
      [48, 1096],
      [54, 1108],
    ]);
    expect(() => fivePoints(lm.slice(0, 67))).toThrow(/needs 68 landmarks, got 67/);
  });
});

describe('estimateSimilarity', () => {
  it('recovers a similarity exactly from noise-free pairs', () => {
    fc.assert(
      fc.property(similarity, spread(2), (s, src) => {
        const t = toT(s);
        const got = estimateSimilarity(
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
        const got = estimateSimilarity(src, dst);
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
      estimateSimilarity(
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
    expect(() => estimateSimilarity([[0, 0]], [[1, 1]])).toThrow(/needs >= 2 point pairs/);
    expect(() =>
      estimateSimilarity(
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

describe('warpSimilarity', () => {
  /** A w×h image whose pixel (x, y) is (x·10 mod 256, y·10 mod 256, 7). */
  const ramp = (w: number, h: number) => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) data.set([(x * 10) % 256, (y * 10) % 256, 7], (y * w + x) * 3);
    return { width: w, height: h, data };
  };

  it('moves pixels by an integer translation exactly and fills the uncovered border with black', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), (dx, dy) => {
        const img = ramp(12, 12);
        const out = warpSimilarity(img, { a: 1, b: 0, tx: dx, ty: dy }, 12);
        for (let y = 0; y < 12; y++) {
          for (let x = 0; x < 12; x++) {
            const sx = x - dx;
            const sy = y - dy;
            const want =
              sx >= 0 && sy >= 0 && sx < 12 && sy < 12
                ? [...img.data.subarray((sy * 12 + sx) * 3, (sy * 12 + sx) * 3 + 3)]
                : [0, 0, 0];
            expect([...out.data.subarray((y * 12 + x) * 3, (y * 12 + x) * 3 + 3)]).toEqual(want);
          }
        }
      }),
    );
  });

  it('interpolates bilinearly: a 2× enlargement of a linear ramp puts the mean of neighbours between them', () => {
    const img = ramp(8, 8);
    const out = warpSimilarity(img, { a: 2, b: 0, tx: 0, ty: 0 }, 14);
    // output (2k+1, 2j) samples source (k + 0.5, j): red halfway between 10k and 10(k+1)
    for (const k of [0, 3, 6]) expect(out.data[(4 * 14 + 2 * k + 1) * 3]).toBe(10 * k + 5);
    // output (2k, 2j+1): green halfway between 10j and 10(j+1)
    for (const j of [0, 2, 5]) expect(out.data[((2 * j + 1) * 14 + 2) * 3 + 1]).toBe(10 * j + 5);
  });

  it('rotates by 90° about a pixel exactly', () => {
    const img = ramp(9, 9);
    // x' = −y + 8, y' = x: source (x, y) lands at (8 − y, x)
    const out = warpSimilarity(img, { a: 0, b: 1, tx: 8, ty: 0 }, 9);
    for (const [x, y] of [
      [0, 0],
      [3, 5],
      [8, 2],
    ] as const) {
      const o = (x * 9 + (8 - y)) * 3;
      expect([...out.data.subarray(o, o + 3)]).toEqual([x * 10, y * 10, 7]);
    }
  });
});
