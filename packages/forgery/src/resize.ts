import { bilinearRgbRect, linearTaps } from './raster.js';
import type { Mask, RgbImage } from './types.js';
import { maskBounds } from './warp.js';

/** The destination indices `[first, last]` whose two taps can reach source indices `lo..hi` (empty: first > last). */
function reach(taps: { i0: Int32Array; i1: Int32Array }, lo: number, hi: number): [number, number] {
  const n = taps.i0.length;
  let first = 0;
  while (first < n && taps.i1[first]! < lo) first++;
  let last = n - 1;
  while (last >= first && taps.i0[last]! > hi) last--;
  return [first, last];
}

/**
 * Bilinear resize of a mask (pixel centres at half-integers, edge samples clamped, like OpenCV's INTER_LINEAR).
 * Only destination pixels with a tap in the mask's non-zero bounding box are computed: elsewhere all four taps
 * are 0 and so is the interpolation, exactly.
 */
export function resizeMaskBilinear(mask: Mask, width: number, height: number): Mask {
  const { width: sw, height: sh, data: src } = mask;
  const out = new Float32Array(width * height);
  if (sw === width && sh === height) {
    out.set(src);
    return { width, height, data: out };
  }
  const box = maskBounds(mask);
  if (!box) return { width, height, data: out };
  const tx = linearTaps(sw, width);
  const ty = linearTaps(sh, height);
  const [xa, xb] = reach(tx, box[0], box[2]);
  const [ya, yb] = reach(ty, box[1], box[3]);
  const rowA = new Float32Array(width);
  const rowB = new Float32Array(width);
  for (let y = ya; y <= yb; y++) {
    const a = ty.i0[y]! * sw;
    const b = ty.i1[y]! * sw;
    const fy = ty.f[y]!;
    for (let x = xa; x <= xb; x++) {
      const x0 = tx.i0[x]!;
      const x1 = tx.i1[x]!;
      const fx = tx.f[x]!;
      rowA[x] = src[a + x0]! + fx * (src[a + x1]! - src[a + x0]!);
      rowB[x] = src[b + x0]! + fx * (src[b + x1]! - src[b + x0]!);
    }
    const o = y * width;
    for (let x = xa; x <= xb; x++) out[o + x] = rowA[x]! + fy * (rowB[x]! - rowA[x]!);
  }
  return { width, height, data: out };
}

/** Bilinear resize of an RGB image, rounded to the nearest byte. */
export function resizeRgbBilinear(image: RgbImage, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const { width: sw, height: sh, data } = image;
  bilinearRgbRect(data, sw, 1, sw, sh, width, height, [0, 0, width - 1, height - 1], out);
  return { width, height, data: out };
}

/**
 * Nearest-neighbour downscale by an integer `factor`: output pixel `(i, j)` is source pixel
 * `(i·factor, j·factor)`, output size `ceil(size / factor)`.
 */
export function downscaleNearest(image: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`downscaleNearest: factor ${factor}`);
  const width = Math.ceil(image.width / factor);
  const height = Math.ceil(image.height / factor);
  const out = new Uint8Array(width * height * 3);
  const src = image.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * factor * image.width + x * factor) * 3;
      const d = (y * width + x) * 3;
      out[d] = src[s]!;
      out[d + 1] = src[s + 1]!;
      out[d + 2] = src[s + 2]!;
    }
  }
  return { width, height, data: out };
}
