// The internal loops SBI runs on sub-rectangles (src/raster.ts) against the public whole-image functions and
// against the grey-level minimum filter: computing on a rectangle must give the whole-image values there and
// touch nothing else.
import { Rng } from '@cs-dfd/rng';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blend,
  blendWarped,
  brightnessContrast,
  downUp,
  erode,
  hsvShift,
  type Mask,
  type RgbImage,
  rgbShift,
  sharpen,
  warpRgb,
} from '../src/index.js';
import {
  bilinearRgbRect,
  colourRect,
  erodeBinary,
  gainLut,
  type Rect,
  sharpenRect,
  shiftLut,
} from '../src/raster.js';
import { naiveErode } from './helpers.js';

const rngImage = (seed: number, w: number, h: number): RgbImage => {
  const r = new Rng(seed);
  return { width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, () => r.int(0, 255)) };
};

/** An image, a rectangle inside it, and a seed. */
const imageAndRect = fc
  .record({ w: fc.integer({ min: 1, max: 23 }), h: fc.integer({ min: 1, max: 19 }), seed: fc.integer() })
  .chain(({ w, h, seed }) =>
    fc.tuple(fc.integer({ min: 0, max: w - 1 }), fc.integer({ min: 0, max: w - 1 })).chain(([xa, xb]) =>
      fc.tuple(fc.integer({ min: 0, max: h - 1 }), fc.integer({ min: 0, max: h - 1 })).map(([ya, yb]) => ({
        image: rngImage(seed, w, h),
        rect: [Math.min(xa, xb), Math.min(ya, yb), Math.max(xa, xb), Math.max(ya, yb)] as Rect,
      })),
    ),
  );

/** dst pre-filled with a pattern: the rectangle must match `want`, every other byte must keep the pattern. */
function rectMismatches(
  w: number,
  h: number,
  rect: Rect,
  want: ArrayLike<number>,
  fill: (dst: Uint8Array) => void,
) {
  const dst = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + 11) & 255);
  fill(dst);
  const bad: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inside = x >= rect[0] && x <= rect[2] && y >= rect[1] && y <= rect[3];
      for (let c = 0; c < 3; c++) {
        const k = (y * w + x) * 3 + c;
        if (dst[k] !== (inside ? want[k] : (k * 37 + 11) & 255)) bad.push(k);
      }
    }
  return bad;
}

describe('rectangle-restricted loops', () => {
  it('sharpenRect on a rectangle = sharpen of the whole image there, nothing else written', () => {
    fc.assert(
      fc.property(
        imageAndRect,
        fc.double({ min: 0.2, max: 0.5 }),
        fc.double({ min: 0.5, max: 1 }),
        (c, a, l) => {
          const { width: w, height: h } = c.image;
          const want = sharpen(c.image, a, l).data;
          expect(
            rectMismatches(w, h, c.rect, want, (d) => sharpenRect(c.image.data, w, h, a, l, c.rect, d)),
          ).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('bilinearRgbRect reading the downscaled grid in place = downUp of the whole image there', () => {
    fc.assert(
      fc.property(imageAndRect, fc.integer({ min: 1, max: 5 }), (c, k) => {
        const { width: w, height: h } = c.image;
        const want = downUp(c.image, k).data;
        const fill = (d: Uint8Array) =>
          bilinearRgbRect(c.image.data, w, k, Math.ceil(w / k), Math.ceil(h / k), w, h, c.rect, d);
        expect(rectMismatches(w, h, c.rect, want, fill)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('colourRect (shift LUT, HSV, gain LUT fused) = rgbShift → hsvShift → brightnessContrast on its grid pixels', () => {
    fc.assert(
      fc.property(
        imageAndRect,
        fc.integer({ min: 1, max: 3 }),
        fc.tuple(
          fc.integer({ min: -20, max: 20 }),
          fc.integer({ min: -20, max: 20 }),
          fc.integer({ min: -20, max: 20 }),
        ),
        fc.tuple(
          fc.double({ min: -10, max: 10 }),
          fc.double({ min: -20, max: 20 }),
          fc.double({ min: -20, max: 20 }),
        ),
        fc.tuple(fc.double({ min: -0.1, max: 0.1 }), fc.double({ min: -0.1, max: 0.1 })),
        fc.boolean(),
        (c, step, shift, hsv, bc, withHsv) => {
          const { width: w } = c.image;
          let ref = rgbShift(c.image, shift);
          if (withHsv) ref = hsvShift(ref, ...hsv);
          ref = brightnessContrast(ref, ...bc);
          const dst = new Uint8Array(c.image.data.length);
          colourRect(
            c.image.data,
            w,
            c.rect,
            step,
            {
              pre: [shiftLut(shift[0]), shiftLut(shift[1]), shiftLut(shift[2])],
              hsv: withHsv ? [hsv[0], hsv[1] / 255, hsv[2]] : null,
              post: [gainLut(...bc), gainLut(...bc), gainLut(...bc)],
            },
            dst,
          );
          const bad: number[] = [];
          for (let y = c.rect[1]; y <= c.rect[3]; y += step)
            for (let x = c.rect[0]; x <= c.rect[2]; x += step)
              for (let ch = 0; ch < 3; ch++) {
                const k = (y * w + x) * 3 + ch;
                if (dst[k] !== ref.data[k]) bad.push(k);
              }
          expect(bad).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('erodeBinary = the clipped-window minimum (naive reference) on 0/1 images, and = erode', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer(),
        fc.double({ min: 0.02, max: 0.4 }),
        (w, h, r, seed, p0) => {
          const rng = new Rng(seed);
          const bin = Uint8Array.from({ length: w * h }, () => (rng.bernoulli(p0) ? 0 : 1));
          const k = 2 * r + 1;
          const got = Array.from(erodeBinary(bin, w, h, k));
          expect(got).toEqual(Array.from(naiveErode(Float32Array.from(bin), w, h, k)));
          expect(got).toEqual(Array.from(erode(Float32Array.from(bin), w, h, k)));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('blendWarped with a rotation (the non-separable path) = blend(warpRgb(source))', () => {
    const s = rngImage(1, 31, 27);
    const t = rngImage(2, 31, 27);
    const r = new Rng(3);
    const m: Mask = {
      width: 31,
      height: 27,
      data: Float32Array.from({ length: 31 * 27 }, () => (r.bernoulli(0.3) ? 0 : r.next())),
    };
    const th = 0.2;
    const aff = [Math.cos(th), -Math.sin(th), 3, Math.sin(th), Math.cos(th), -2] as const;
    const got = blendWarped(s, aff, t, m, 0.75).data;
    expect(Buffer.from(got).equals(Buffer.from(blend(warpRgb(s, aff), t, m, 0.75).data))).toBe(true);
  });
});
