/**
 * Low-level generator traces, added inside a mask: the upsampling checkerboard of transposed convolutions and
 * a spectral peak. (Double JPEG needs the codec and lives in `@cs-dfd/forgery/io`.) Each is a seeded
 * `sample…Params` plus a deterministic `apply…`; outside the mask (`m = 0`) the image is untouched.
 */
import type { Rng } from '@cs-dfd/rng';
import type { Mask, RgbImage } from './types.js';
import { checkInt, checkInterval, checkRange, validateImage, validateMask } from './validate.js';

/** A periodic additive pattern: `pattern[(y mod period)·period + (x mod period)]` grey levels, per channel. */
export interface CheckerboardParams {
  readonly period: number;
  /** `period²` offsets in grey levels, zero mean. */
  readonly pattern: Float32Array;
}

/** Options of {@link sampleCheckerboardParams}. */
export interface CheckerboardOptions {
  /** Periods to draw from (the upsampling stride of the imagined generator). Default `[2, 4]`. */
  periods?: readonly number[];
  /** Range of the pattern's largest absolute offset, in grey levels. Default `[2, 8]`. */
  amplitude?: readonly [number, number];
}

/**
 * Draws a checkerboard: a random `period × period` tile (uniform values, mean removed, scaled so its largest
 * absolute value is the drawn amplitude) — the uneven kernel overlap that a stride-`period` transposed
 * convolution leaves, repeated over the face.
 */
export function sampleCheckerboardParams(rng: Rng, options: CheckerboardOptions = {}): CheckerboardParams {
  const { periods = [2, 4], amplitude = [2, 8] } = options;
  periods.forEach((p, i) => {
    checkInt(p, 2, 64, 'sampleCheckerboardParams', `options.periods[${i}]`);
  });
  checkInterval(amplitude, 0, 255, 'sampleCheckerboardParams', 'options.amplitude');
  const period = rng.choice(periods);
  const raw = Array.from({ length: period * period }, () => rng.next());
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  const centred = raw.map((v) => v - mean);
  const peak = Math.max(...centred.map(Math.abs)) || 1;
  const amp = rng.uniform(amplitude[0], amplitude[1]);
  return { period, pattern: Float32Array.from(centred, (v) => (v / peak) * amp) };
}

function addInside(
  image: RgbImage,
  mask: Mask,
  task: string,
  offset: (x: number, y: number) => number,
): RgbImage {
  validateImage(image, task);
  validateMask(mask, image.width, image.height, task);
  const { width: w, height: h, data: src } = image;
  const out = Uint8Array.from(src);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const m = mask.data[y * w + x]!;
      if (m <= 0) continue;
      const d = m * offset(x, y);
      const k = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = Math.round(src[k + c]! + d);
        out[k + c] = v < 0 ? 0 : Math.min(v, 255);
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** `out = clip(round(x + m · pattern[y mod p][x mod p]))` on every channel. */
export function applyCheckerboard(image: RgbImage, mask: Mask, params: CheckerboardParams): RgbImage {
  const { period: p, pattern } = params;
  if (pattern.length !== p * p)
    throw new RangeError(`applyCheckerboard: pattern has ${pattern.length} values, expected ${p * p}`);
  return addInside(image, mask, 'applyCheckerboard', (x, y) => pattern[(y % p) * p + (x % p)]!);
}

/** A 2-D cosine: `amplitude · cos(2π (fx·x / width + fy·y / height) + phase)` grey levels. */
export interface SpectralPeakParams {
  /** Horizontal frequency in cycles per image width (an integer puts the peak on one DFT bin). */
  readonly fx: number;
  /** Vertical frequency in cycles per image height. */
  readonly fy: number;
  readonly amplitude: number;
  readonly phase: number;
}

/** Options of {@link sampleSpectralPeakParams}. */
export interface SpectralPeakOptions {
  /** Frequency range as a fraction of the sampling rate (0.5 = Nyquist), per axis. Default `[0.125, 0.45]`. */
  frequency?: readonly [number, number];
  /** Amplitude range in grey levels. Default `[2, 6]`. */
  amplitude?: readonly [number, number];
}

/**
 * Draws a spectral peak at integer bin frequencies (so that it falls on one DFT bin of the whole image), in the
 * high band where generator upsampling leaves its replicas, with random signs per axis and a random phase.
 */
export function sampleSpectralPeakParams(
  width: number,
  height: number,
  rng: Rng,
  options: SpectralPeakOptions = {},
): SpectralPeakParams {
  const { frequency = [0.125, 0.45], amplitude = [2, 6] } = options;
  checkInterval(frequency, 0, 0.5, 'sampleSpectralPeakParams', 'options.frequency');
  checkInterval(amplitude, 0, 255, 'sampleSpectralPeakParams', 'options.amplitude');
  const bin = (n: number) => {
    const lo = Math.ceil(frequency[0] * n);
    const hi = Math.max(lo, Math.floor(frequency[1] * n));
    return rng.int(lo, hi);
  };
  return {
    fx: bin(width),
    fy: (rng.bernoulli() ? 1 : -1) * bin(height),
    amplitude: rng.uniform(amplitude[0], amplitude[1]),
    phase: rng.uniform(0, 2 * Math.PI),
  };
}

/** `out = clip(round(x + m · amplitude · cos(2π(fx·x/W + fy·y/H) + phase)))` on every channel. */
export function applySpectralPeak(image: RgbImage, mask: Mask, params: SpectralPeakParams): RgbImage {
  const { fx, fy, amplitude, phase } = params;
  checkRange(amplitude, 0, 255, 'applySpectralPeak', 'params.amplitude');
  const w = image.width;
  const h = image.height;
  return addInside(
    image,
    mask,
    'applySpectralPeak',
    (x, y) => amplitude * Math.cos(2 * Math.PI * ((fx * x) / w + (fy * y) / h) + phase),
  );
}
