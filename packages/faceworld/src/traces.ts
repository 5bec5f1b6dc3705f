/**
 * The low-level operations forgery "generators" leave behind, on float RGB canvases. Periods and block sizes are
 * given at the 64-px analysis scale the default detector sees and scaled to the frame size, so a trace survives
 * the trainer's resize.
 */

import { createCoverage, fillPolygon, gaussianBlur } from '@cs-dfd/imaging';
import type { Rng } from '@cs-dfd/rng';
import { noiseStream } from './camera.js';
import { type Canvas, cloneCanvas } from './raster.js';

/** Side of the analysis scale the traces are designed at. */
export const ANALYSIS_SIZE = 64;

/** Box-averages k×k blocks and repeats each average over its block (nearest-neighbour upsampling). */
export function blockUpsample(c: Canvas, k: number): Canvas {
  const out = cloneCanvas(c);
  const { width: W, height: H } = c;
  if (k <= 1) return out;
  for (let by = 0; by < H; by += k) {
    for (let bx = 0; bx < W; bx += k) {
      const ye = Math.min(H, by + k);
      const xe = Math.min(W, bx + k);
      const n = (ye - by) * (xe - bx);
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let y = by; y < ye; y++) for (let x = bx; x < xe; x++) s += c.data[3 * (y * W + x) + ch]!;
        const m = s / n;
        for (let y = by; y < ye; y++) for (let x = bx; x < xe; x++) out.data[3 * (y * W + x) + ch] = m;
      }
    }
  }
  return out;
}

/** Box-downsamples by k, then bilinear upsampling back (a smooth, low-passed generator output). */
export function bilinearResample(c: Canvas, k: number): Canvas {
  const { width: W, height: H } = c;
  const w = Math.ceil(W / k);
  const h = Math.ceil(H / k);
  const small = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        let n = 0;
        for (let yy = y * k; yy < Math.min(H, (y + 1) * k); yy++)
          for (let xx = x * k; xx < Math.min(W, (x + 1) * k); xx++) {
            s += c.data[3 * (yy * W + xx) + ch]!;
            n++;
          }
        small[3 * (y * w + x) + ch] = s / n;
      }
  const out = cloneCanvas(c);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, (y + 0.5) / k - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, (x + 0.5) / k - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      for (let ch = 0; ch < 3; ch++) {
        const a = small[3 * (y0 * w + x0) + ch]!;
        const b = small[3 * (y0 * w + x1) + ch]!;
        const cc = small[3 * (y1 * w + x0) + ch]!;
        const d = small[3 * (y1 * w + x1) + ch]!;
        out.data[3 * (y * W + x) + ch] = (a * (1 - fx) + b * fx) * (1 - fy) + (cc * (1 - fx) + d * fx) * fy;
      }
    }
  }
  return out;
}

/** Adds a luminance pattern `amp · f(x, y)` (f in [-1, 1]) to every pixel, in place. */
export function addPattern(c: Canvas, amp: number, f: (x: number, y: number) => number): void {
  const { width: W, height: H } = c;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = amp * f(x, y);
      const o = 3 * (y * W + x);
      c.data[o] = c.data[o]! + v;
      c.data[o + 1] = c.data[o + 1]! + v;
      c.data[o + 2] = c.data[o + 2]! + v;
    }
}

/** Quantises every channel to multiples of `step` levels, in place (a texture generator's palette). */
export function posterise(c: Canvas, step: number): void {
  for (let i = 0; i < c.data.length; i++) c.data[i] = Math.round(c.data[i]! / step) * step;
}

/**
 * Adds high-frequency energy in place: unsharp masking (`sharpen` × the detail above a σ = 1 px blur) plus i.i.d.
 * luminance noise of σ `noise` levels. This is the opposite of what blending and resampling do.
 */
export function boostHighFrequency(c: Canvas, sharpen: number, noise: number, rng: Rng): void {
  const blurred = gaussianBlur(c.data, c.width, c.height, 3, 1);
  const normal = noiseStream(rng);
  for (let p = 0; p < c.width * c.height; p++) {
    const n = noise > 0 ? noise * normal() : 0;
    for (let ch = 0; ch < 3; ch++) {
      const i = 3 * p + ch;
      c.data[i] = c.data[i]! + sharpen * (c.data[i]! - blurred[i]!) + n;
    }
  }
}

/** Mask-weighted mean colour. */
export function maskedMean(c: Canvas, mask: Float32Array): [number, number, number] {
  let w = 0;
  const m: [number, number, number] = [0, 0, 0];
  for (let p = 0; p < mask.length; p++) {
    const a = mask[p]!;
    if (a <= 0) continue;
    w += a;
    m[0] += a * c.data[3 * p]!;
    m[1] += a * c.data[3 * p + 1]!;
    m[2] += a * c.data[3 * p + 2]!;
  }
  return w > 0 ? [m[0] / w, m[1] / w, m[2] / w] : m;
}

/**
 * Colour transfer: shifts `g`'s masked mean toward `ref`'s, keeping the fraction `keep` of the mismatch, then adds
 * `offset`. In place.
 */
export function transferColour(
  g: Canvas,
  ref: Canvas,
  mask: Float32Array,
  keep: number,
  offset: readonly [number, number, number],
): void {
  const mg = maskedMean(g, mask);
  const mr = maskedMean(ref, mask);
  const shift = [0, 1, 2].map((ch) => (1 - keep) * (mr[ch]! - mg[ch]!) + offset[ch]!);
  for (let p = 0; p < g.width * g.height; p++)
    for (let ch = 0; ch < 3; ch++) g.data[3 * p + ch] = g.data[3 * p + ch]! + shift[ch]!;
}

/** out = m·g + (1 − m)·base, per pixel. Returns a new canvas. */
export function blend(base: Canvas, g: Canvas, mask: Float32Array): Canvas {
  const out = cloneCanvas(base);
  for (let p = 0; p < mask.length; p++) {
    const m = mask[p]!;
    if (m <= 0) continue;
    for (let ch = 0; ch < 3; ch++) {
      const i = 3 * p + ch;
      out.data[i] = out.data[i]! + m * (g.data[i]! - out.data[i]!);
    }
  }
  return out;
}

/**
 * A soft blending mask: the polygons rasterised (union by max), blurred with σ = `feather` px, then scaled by
 * `gain` and clipped to 1 so that the inside of the polygon stays at full weight while the edge is soft.
 */
export function softMask(
  size: number,
  polygons: readonly Float64Array[],
  feather: number,
  gain = 1.6,
): Float32Array {
  const cov = createCoverage(size, size);
  const out = new Float32Array(size * size);
  // Blur only the polygons' bounding box plus the kernel's reach: the rest of the mask is zero.
  const reach = Math.ceil(3 * feather) + 1;
  let x0 = size;
  let y0 = size;
  let x1 = 0;
  let y1 = 0;
  const hard = new Float32Array(size * size);
  for (const poly of polygons) {
    fillPolygon(cov, poly);
    x0 = Math.min(x0, cov.x0);
    y0 = Math.min(y0, cov.y0);
    x1 = Math.max(x1, cov.x1);
    y1 = Math.max(y1, cov.y1);
    for (let y = cov.y0; y < cov.y1; y++)
      for (let x = cov.x0; x < cov.x1; x++) {
        const i = y * size + x;
        hard[i] = Math.max(hard[i]!, Math.min(1, cov.data[i]!));
      }
  }
  if (x1 <= x0 || y1 <= y0) return out;
  x0 = Math.max(0, x0 - reach);
  y0 = Math.max(0, y0 - reach);
  x1 = Math.min(size, x1 + reach);
  y1 = Math.min(size, y1 + reach);
  const w = x1 - x0;
  const h = y1 - y0;
  const crop = new Float32Array(w * h);
  for (let y = 0; y < h; y++) crop.set(hard.subarray((y + y0) * size + x0, (y + y0) * size + x1), y * w);
  const soft = gaussianBlur(crop, w, h, 1, feather);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) out[(y + y0) * size + x + x0] = Math.min(1, soft[y * w + x]! * gain);
  return out;
}
