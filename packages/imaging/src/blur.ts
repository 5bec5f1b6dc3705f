/**
 * Separable filters on float images (one plane, or `channels` values per pixel interleaved). One convolution
 * loop serves every Gaussian here; its two border rules and its flat-run shortcut are options because the bytes
 * of faceworld's dataset and of forgery's SBI masks depend on them.
 */
import { ImagingError } from './errors.js';

/** Reflect-101 border (`dcb|abcd|cba`), OpenCV's default; valid for any offset, even past a short line. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/** Clamped border (`aaa|abcd|ddd`). */
export function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** OpenCV's sigma for a kernel of `size` taps when none is given: `0.3 · ((size − 1) / 2 − 1) + 0.8`. */
export function defaultSigma(size: number): number {
  return 0.3 * ((size - 1) * 0.5 - 1) + 0.8;
}

/**
 * A normalised, truncated 1-D Gaussian of `size` (odd) taps, normalised in float64; `sigma` defaults to
 * {@link defaultSigma}. Large sigmas over few taps flatten towards a box: the tap count, not sigma, bounds the
 * blur. Throws an {@link ImagingError} (`kernel.size`, `kernel.sigma`).
 */
export function gaussianKernel(size: number, sigma = defaultSigma(size)): Float64Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) {
    throw new ImagingError(
      'kernel.size',
      `gaussianKernel: size must be an odd positive integer, got ${size}`,
    );
  }
  if (!(sigma > 0) || !Number.isFinite(sigma))
    throw new ImagingError('kernel.sigma', `gaussianKernel: sigma must be > 0, got ${sigma}`);
  const r = (size - 1) / 2;
  const k = new Float64Array(size);
  let s = 0;
  for (let i = 0; i < size; i++) {
    k[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
    s += k[i]!;
  }
  for (let i = 0; i < size; i++) k[i]! /= s;
  return k;
}

/**
 * The Gaussian {@link gaussianBlur} uses for `sigma`: radius `max(1, ceil(3σ))`, each tap rounded to float32
 * before the division by the (float64) sum. That rounding order differs from {@link gaussianKernel}'s in the last
 * bit of some taps; it is kept because faceworld's bytes depend on it.
 */
export function gaussianTaps(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp((-i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    s += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / s;
  return k;
}

/** Options of {@link convolveSeparable}. */
export interface SeparableOptions {
  /** Values per pixel, interleaved. Default 1. */
  readonly channels?: number;
  /** How lines are extended past the image: `'reflect101'` (default, OpenCV's) or `'clamp'` (edge replicated). */
  readonly border?: 'reflect101' | 'clamp';
  /**
   * Copy a window whose samples are all equal instead of summing it (default true; single-channel images only).
   * On masks (large flat regions) a pass then costs a copy except in a band around edges. The copy is exact where
   * the sum may be off by the kernel's rounding (its taps in float32 need not sum to exactly 1).
   */
  readonly copyFlatRuns?: boolean;
}

/**
 * One 1-D pass along rows, written transposed (`height` rows of `width` pixels in, `width` rows of `height`
 * pixels out), so calling it twice filters both axes with row-order reads. Taps are float32, sums float64, in tap
 * order.
 */
function convolveRowsTransposed(
  src: Float32Array,
  width: number,
  height: number,
  channels: number,
  kw: Float32Array,
  border: (i: number, n: number) => number,
  copyFlatRuns: boolean,
  dst: Float32Array,
): void {
  const taps = kw.length;
  const r = (taps - 1) / 2;
  const m = width + 2 * r;
  const pad = new Float32Array(m * channels);
  const runStart = copyFlatRuns ? new Int32Array(m) : null;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let i = 0; i < m; i++) {
      const j = i - r;
      const o = (row + (j >= 0 && j < width ? j : border(j, width))) * channels;
      for (let ch = 0; ch < channels; ch++) pad[i * channels + ch] = src[o + ch]!;
    }
    if (channels === 1) {
      if (runStart) {
        runStart[0] = 0;
        for (let i = 1; i < m; i++) runStart[i] = pad[i] === pad[i - 1] ? runStart[i - 1]! : i;
      }
      for (let x = 0; x < width; x++) {
        let v: number;
        if (runStart && runStart[x + 2 * r]! <= x) v = pad[x]!;
        else {
          v = 0;
          for (let t = 0; t < taps; t++) v += kw[t]! * pad[x + t]!;
        }
        dst[x * height + y] = v;
      }
    } else if (channels === 3) {
      for (let x = 0; x < width; x++) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        for (let t = 0, q = 3 * x; t < taps; t++, q += 3) {
          const kt = kw[t]!;
          s0 += kt * pad[q]!;
          s1 += kt * pad[q + 1]!;
          s2 += kt * pad[q + 2]!;
        }
        const o = 3 * (x * height + y);
        dst[o] = s0;
        dst[o + 1] = s1;
        dst[o + 2] = s2;
      }
    } else {
      for (let x = 0; x < width; x++) {
        const o = (x * height + y) * channels;
        for (let ch = 0; ch < channels; ch++) {
          let s = 0;
          for (let t = 0, q = x * channels + ch; t < taps; t++, q += channels) s += kw[t]! * pad[q]!;
          dst[o + ch] = s;
        }
      }
    }
  }
}

/**
 * Separable convolution: `kernelX` (odd length) along rows, then `kernelY` (default `kernelX`) along columns,
 * taps rounded to float32, sums in float64. Returns a new buffer. Cost per pixel is `taps` multiply-adds per axis,
 * a copy in flat regions with {@link SeparableOptions.copyFlatRuns}.
 */
export function convolveSeparable(
  src: Float32Array,
  width: number,
  height: number,
  kernelX: ArrayLike<number>,
  kernelY: ArrayLike<number> = kernelX,
  options: SeparableOptions = {},
): Float32Array {
  const { channels = 1, border = 'reflect101' } = options;
  const copyFlat = (options.copyFlatRuns ?? true) && channels === 1;
  const edge = border === 'clamp' ? clampIndex : reflect101;
  const t = new Float32Array(width * height * channels);
  const out = new Float32Array(width * height * channels);
  convolveRowsTransposed(src, width, height, channels, Float32Array.from(kernelX), edge, copyFlat, t);
  convolveRowsTransposed(t, height, width, channels, Float32Array.from(kernelY), edge, copyFlat, out);
  return out;
}

/**
 * Gaussian blur of standard deviation `sigma` px ({@link gaussianTaps}) of an interleaved buffer with `channels`
 * channels, edges clamped, every window summed. Returns a new buffer (a copy for `sigma ≤ 0.05`).
 */
export function gaussianBlur(
  src: Float32Array,
  width: number,
  height: number,
  channels: number,
  sigma: number,
): Float32Array {
  if (!(sigma > 0.05)) return new Float32Array(src);
  const k = gaussianTaps(sigma);
  return convolveSeparable(src, width, height, k, k, { channels, border: 'clamp', copyFlatRuns: false });
}

/** Box widths (odd) for `passes` boxes whose composition has variance sigma² (Wells 1986; Kovesi 2010). */
export function boxWidthsForGaussian(sigma: number, passes: number): number[] {
  const ideal = Math.sqrt((12 * sigma * sigma) / passes + 1);
  let wl = Math.floor(ideal);
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const m = Math.round(
    (12 * sigma * sigma - passes * wl * wl - 4 * passes * wl - 3 * passes) / (-4 * wl - 4),
  );
  return Array.from({ length: passes }, (_, i) => (i < m ? wl : wu));
}

/** Running-mean box filter of odd width `w` along rows with reflect-101 borders, written transposed. */
function boxRowsTransposed(
  src: Float32Array,
  width: number,
  height: number,
  w: number,
  dst: Float32Array,
): void {
  const r = (w - 1) / 2;
  const inv = 1 / w;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let s = 0;
    for (let i = -r; i <= r; i++) s += src[row + reflect101(i, width)]!;
    for (let x = 0; x < width; x++) {
      dst[x * height + y] = s * inv;
      const i = x + r + 1;
      const o = x - r;
      s +=
        src[row + (i < width ? i : reflect101(i, width))]! - src[row + (o >= 0 ? o : reflect101(o, width))]!;
    }
  }
}

/**
 * An almost-Gaussian blur of a single-channel image, standard deviation `sigma`, by `passes` (default 3) box
 * filters per axis: cost per pixel independent of sigma. The impulse response is a quadratic spline per axis:
 * with 3 passes its peak is low by up to 6 % per axis, so the 2-D response deviates from the Gaussian by at most
 * 12 % of the Gaussian's peak (tested for sigma 2–12), and its standard deviation is within 10 % of sigma for
 * sigma ≥ 2 (box widths are odd integers). Good for noise fields, not for measurements.
 */
export function approxGaussianBlur(
  src: Float32Array,
  width: number,
  height: number,
  sigma: number,
  passes = 3,
): Float32Array {
  if (!(sigma > 0)) return Float32Array.from(src);
  const widths = boxWidthsForGaussian(sigma, passes);
  let a = Float32Array.from(src);
  let b = new Float32Array(width * height);
  // Each call transposes; an even number of calls per axis pair keeps the orientation.
  for (const w of widths) {
    boxRowsTransposed(a, width, height, w, b);
    [a, b] = [b, a];
    boxRowsTransposed(a, height, width, w, b);
    [a, b] = [b, a];
  }
  return a;
}
