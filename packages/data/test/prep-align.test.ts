// The geometry of the face alignment: template and warp (the similarity fit is tested in @cs-dfd/imaging).
// Pure host code, no face-api.

import type { Point } from '@cs-dfd/imaging';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrepError } from '../src/prep/errors.js';
import { ARCFACE_TEMPLATE_96x112, alignmentTemplate, fivePoints } from '../src/prep/template.js';
import { warpSimilarity } from '../src/prep/warp.js';

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
