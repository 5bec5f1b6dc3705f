import type { Mask, RgbImage } from './types.js';

/** Per destination index: left source index, right source index, weight of the right one (half-pixel centres). */
function linearTaps(srcN: number, dstN: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(dstN);
  const i1 = new Int32Array(dstN);
  const f = new Float32Array(dstN);
  const scale = srcN / dstN;
  for (let d = 0; d < dstN; d++) {
    const s = (d + 0.5) * scale - 0.5;
    let a = Math.floor(s);
    let w = s - a;
    if (a < 0) {
      a = 0;
      w = 0;
    }
    if (a >= srcN - 1) {
      a = srcN - 1;
      w = 0;
    }
    i0[d] = a;
    i1[d] = Math.min(a + 1, srcN - 1);
    f[d] = w;
  }
  return { i0, i1, f };
}

/** Bilinear resize of a mask (pixel centres at half-integers, edge samples clamped, like OpenCV's INTER_LINEAR). */
export function resizeMaskBilinear(mask: Mask, width: number, height: number): Mask {
  const { width: sw, height: sh, data: src } = mask;
  const out = new Float32Array(width * height);
  if (sw === width && sh === height) {
    out.set(src);
    return { width, height, data: out };
  }
  const tx = linearTaps(sw, width);
  const ty = linearTaps(sh, height);
  const rowA = new Float32Array(width);
  const rowB = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    const a = ty.i0[y]! * sw;
    const b = ty.i1[y]! * sw;
    const fy = ty.f[y]!;
    for (let x = 0; x < width; x++) {
      const x0 = tx.i0[x]!;
      const x1 = tx.i1[x]!;
      const fx = tx.f[x]!;
      rowA[x] = src[a + x0]! + fx * (src[a + x1]! - src[a + x0]!);
      rowB[x] = src[b + x0]! + fx * (src[b + x1]! - src[b + x0]!);
    }
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = rowA[x]! + fy * (rowB[x]! - rowA[x]!);
  }
  return { width, height, data: out };
}

/** Bilinear resize of an RGB image, rounded to the nearest byte. */
export function resizeRgbBilinear(image: RgbImage, width: number, height: number): RgbImage {
  const { width: sw, height: sh, data: src } = image;
  const out = new Uint8Array(width * height * 3);
  const tx = linearTaps(sw, width);
  const ty = linearTaps(sh, height);
  for (let y = 0; y < height; y++) {
    const a = ty.i0[y]! * sw * 3;
    const b = ty.i1[y]! * sw * 3;
    const fy = ty.f[y]!;
    const o = y * width * 3;
    for (let x = 0; x < width; x++) {
      const x0 = tx.i0[x]! * 3;
      const x1 = tx.i1[x]! * 3;
      const fx = tx.f[x]!;
      for (let c = 0; c < 3; c++) {
        const top = src[a + x0 + c]! + fx * (src[a + x1 + c]! - src[a + x0 + c]!);
        const bot = src[b + x0 + c]! + fx * (src[b + x1 + c]! - src[b + x0 + c]!);
        out[o + x * 3 + c] = Math.round(top + fy * (bot - top));
      }
    }
  }
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
