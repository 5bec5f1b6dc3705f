/**
 * Self-Blended Images (Shiohara & Yamasaki, CVPR 2022), written from the paper's description (DESIGN §7): every
 * stage is its own function, each random stage split into `sample…Params(rng)` and a deterministic `apply…`.
 */

import { convolveSeparable, gaussianKernel } from '@cs-dfd/imaging';
import type { Rng } from '@cs-dfd/rng';
import { ForgeryError } from './errors.js';
import { type HullVariant, type RandomHullOptions, randomHullMask } from './masks.js';
import {
  bilinearRgbRect,
  type ColourMap,
  colourRect,
  erodeBinary,
  gainLut,
  linearTaps,
  type Rect,
  sharpenRect,
  shiftLut,
} from './raster.js';
import { resizeMaskBilinear } from './resize.js';
import type { Landmarks, Mask, RgbImage } from './types.js';
import { checkInterval, checkRange, validateImage, validateLandmarks, validateMask } from './validate.js';
import {
  type Affine,
  elasticField,
  invertAffine,
  maskBounds,
  type sampleRgb,
  scaleTranslate,
  warpMaskElastic,
  warpRgb,
} from './warp.js';

// ---------------------------------------------------------------- stage 2: source-target generator

/** Options of the source-target generator. Ranges are symmetric limits `±x` or `[lo, hi]`. */
export interface SourceTargetOptions {
  /** Probability that the source (not the target) is the transformed copy. Default 0.5. */
  sourceProbability?: number;
  /** Per-channel RGB shift limit, in grey levels. Default 20. */
  rgbShift?: number;
  /** Hue shift limit in degrees. Default 10. */
  hueShift?: number;
  /** Saturation shift limit on a 0..255 scale. Default 20. */
  saturationShift?: number;
  /** Value shift limit on a 0..255 scale. Default 20. */
  valueShift?: number;
  /** Brightness limit (fraction of 255). Default 0.1. */
  brightness?: number;
  /** Contrast limit (gain − 1). Default 0.1. */
  contrast?: number;
  /**
   * Probability of each colour operation (RGB shift, HSV, brightness/contrast), drawn independently. Default 0.3,
   * so that most pairs differ mainly by the frequency change and some also by colour.
   */
  colorProbability?: number;
  /** Probability that the frequency change is a sharpen rather than a down-up resample. Default 0.5. */
  sharpenProbability?: number;
  /** Downscale factors for the resample, drawn uniformly. Default `[2, 4]`. */
  downscaleFactors?: readonly number[];
  /** Sharpen strength range. Default `[0.2, 0.5]`. */
  sharpenAlpha?: readonly [number, number];
  /** Sharpen lightness range. Default `[0.5, 1]`. */
  sharpenLightness?: readonly [number, number];
}

/** The frequency change applied to the transformed copy. */
export type FrequencyChange =
  | { readonly kind: 'resample'; readonly factor: number }
  | { readonly kind: 'sharpen'; readonly alpha: number; readonly lightness: number };

/** Everything the source-target generator drew. `null` means that colour operation was skipped. */
export interface SourceTargetParams {
  readonly transformed: 'source' | 'target';
  readonly rgbShift: readonly [number, number, number] | null;
  readonly hsv: readonly [number, number, number] | null;
  readonly brightnessContrast: readonly [number, number] | null;
  readonly frequency: FrequencyChange;
}

/** Draws the source-target generator's parameters. */
export function sampleSourceTargetParams(rng: Rng, options: SourceTargetOptions = {}): SourceTargetParams {
  const task = 'sampleSourceTargetParams';
  const o = {
    sourceProbability: 0.5,
    rgbShift: 20,
    hueShift: 10,
    saturationShift: 20,
    valueShift: 20,
    brightness: 0.1,
    contrast: 0.1,
    colorProbability: 0.3,
    sharpenProbability: 0.5,
    downscaleFactors: [2, 4] as readonly number[],
    sharpenAlpha: [0.2, 0.5] as const,
    sharpenLightness: [0.5, 1] as const,
    ...options,
  };
  checkRange(o.sourceProbability, 0, 1, task, 'options.sourceProbability');
  checkRange(o.rgbShift, 0, 255, task, 'options.rgbShift');
  checkRange(o.hueShift, 0, 180, task, 'options.hueShift');
  checkRange(o.saturationShift, 0, 255, task, 'options.saturationShift');
  checkRange(o.valueShift, 0, 255, task, 'options.valueShift');
  checkRange(o.brightness, 0, 1, task, 'options.brightness');
  checkRange(o.contrast, 0, 1, task, 'options.contrast');
  checkRange(o.colorProbability, 0, 1, task, 'options.colorProbability');
  checkRange(o.sharpenProbability, 0, 1, task, 'options.sharpenProbability');
  checkInterval(o.sharpenAlpha, 0, 1, task, 'options.sharpenAlpha');
  checkInterval(o.sharpenLightness, 0, 10, task, 'options.sharpenLightness');
  o.downscaleFactors.forEach((f, i) => {
    checkRange(f, 1, 64, task, `options.downscaleFactors[${i}]`);
  });
  const transformed = rng.bernoulli(o.sourceProbability) ? 'source' : 'target';
  const sym = (lim: number) => rng.uniform(-lim, lim);
  const shift = rng.bernoulli(o.colorProbability)
    ? ([
        rng.int(-o.rgbShift, o.rgbShift),
        rng.int(-o.rgbShift, o.rgbShift),
        rng.int(-o.rgbShift, o.rgbShift),
      ] as const)
    : null;
  const hsv = rng.bernoulli(o.colorProbability)
    ? ([sym(o.hueShift), sym(o.saturationShift), sym(o.valueShift)] as const)
    : null;
  const bc = rng.bernoulli(o.colorProbability) ? ([sym(o.brightness), sym(o.contrast)] as const) : null;
  const frequency: FrequencyChange = rng.bernoulli(o.sharpenProbability)
    ? {
        kind: 'sharpen',
        alpha: rng.uniform(...o.sharpenAlpha),
        lightness: rng.uniform(...o.sharpenLightness),
      }
    : { kind: 'resample', factor: Math.round(rng.choice(o.downscaleFactors)) };
  return { transformed, rgbShift: shift, hsv, brightnessContrast: bc, frequency };
}

/** The colour part of {@link SourceTargetParams} as one per-pixel map, or null when it is the identity. */
function colourMap(params: SourceTargetParams): ColourMap | null {
  const pre = params.rgbShift
    ? ([shiftLut(params.rgbShift[0]), shiftLut(params.rgbShift[1]), shiftLut(params.rgbShift[2])] as const)
    : null;
  // hsvShift returns an all-zero shift unchanged, so that is the identity here too.
  const hsv =
    params.hsv && (params.hsv[0] !== 0 || params.hsv[1] !== 0 || params.hsv[2] !== 0)
      ? ([params.hsv[0], params.hsv[1] / 255, params.hsv[2]] as const)
      : null;
  const bc = params.brightnessContrast ? gainLut(...params.brightnessContrast) : null;
  const post = bc ? ([bc, bc, bc] as const) : null;
  return pre || hsv || post ? { pre, hsv, post } : null;
}

/** Per-thread scratch buffers, grown on demand: the colour-jittered pixels and the transformed source region. */
const scratch = { colour: new Uint8Array(0), source: new Uint8Array(0) };
function scratchOf(name: keyof typeof scratch, length: number): Uint8Array {
  if (scratch[name].length < length) scratch[name] = new Uint8Array(length);
  return scratch[name];
}

/**
 * Writes the transform of {@link SourceTargetParams} into `out` on `rect` only (other pixels untouched). Colour
 * jitter is per pixel, the sharpen reads one pixel around and the resample reads the downscaled grid, so only
 * those pixels are colour-jittered; the values on `rect` are those of the whole-image transform, bit for bit.
 */
function transformRect(image: RgbImage, params: SourceTargetParams, rect: Rect, out: Uint8Array): void {
  const { width: w, height: h, data } = image;
  const map = colourMap(params);
  const [x0, y0, x1, y1] = rect;
  const f = params.frequency;
  if (f.kind === 'sharpen') {
    let src: Uint8Array | Uint8ClampedArray = data;
    if (map) {
      src = scratchOf('colour', data.length);
      const grown = [
        Math.max(0, x0 - 1),
        Math.max(0, y0 - 1),
        Math.min(w - 1, x1 + 1),
        Math.min(h - 1, y1 + 1),
      ] as const;
      colourRect(data, w, grown, 1, map, src);
    }
    sharpenRect(src, w, h, f.alpha, f.lightness, rect, out);
    return;
  }
  const k = f.factor;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`downUp: factor ${k}`);
  const sw = Math.ceil(w / k);
  const sh = Math.ceil(h / k);
  let src: Uint8Array | Uint8ClampedArray = data;
  if (map) {
    src = scratchOf('colour', data.length);
    const tx = linearTaps(sw, w);
    const ty = linearTaps(sh, h);
    colourRect(data, w, [tx.i0[x0]! * k, ty.i0[y0]! * k, tx.i1[x1]! * k, ty.i1[y1]! * k], k, map, src);
  }
  bilinearRgbRect(src, w, k, sw, sh, w, h, rect, out);
}

/** The colour jitter then frequency change of {@link SourceTargetParams}, applied to one image. */
export function applySourceTransform(image: RgbImage, params: SourceTargetParams): RgbImage {
  const { width: w, height: h } = image;
  const out = new Uint8Array(w * h * 3);
  transformRect(image, params, [0, 0, w - 1, h - 1], out);
  return { width: w, height: h, data: out };
}

/**
 * SBI stage 2: two copies of the image, one of them (the source with probability `sourceProbability`)
 * colour-jittered and frequency-changed. The other is a byte-for-byte copy.
 */
export function sourceTargetPair(
  image: RgbImage,
  rng: Rng,
  options: SourceTargetOptions = {},
): { source: RgbImage; target: RgbImage; params: SourceTargetParams } {
  validateImage(image, 'sourceTargetPair');
  const params = sampleSourceTargetParams(rng, options);
  const changed = applySourceTransform(image, params);
  const copy = { width: image.width, height: image.height, data: Uint8Array.from(image.data) };
  return params.transformed === 'source'
    ? { source: changed, target: copy, params }
    : { source: copy, target: changed, params };
}

// ---------------------------------------------------------------- stage 3: landmark mismatch

/** Options of the landmark mismatch. */
export interface MismatchOptions {
  /** Horizontal translation limit as a fraction of the width. Default 0.03. */
  translateX?: number;
  /** Vertical translation limit as a fraction of the height. Default 0.015. */
  translateY?: number;
  /** Scale range (about the image centre). Default `[0.95, 1 / 0.95]`. */
  scale?: readonly [number, number];
  /** Elastic deformation strength of the mask, in pixels per unit of smoothed noise. Default 50. */
  elasticAlpha?: number;
  /** Smoothing of the elastic field, in pixels. Default 7. */
  elasticSigma?: number;
}

/** The affine part of the mismatch (translation in pixels). */
export interface MismatchParams {
  readonly tx: number;
  readonly ty: number;
  readonly scale: number;
}

function mismatchDefaults(options: MismatchOptions) {
  const o = {
    translateX: 0.03,
    translateY: 0.015,
    scale: [0.95, 1 / 0.95] as const,
    elasticAlpha: 50,
    elasticSigma: 7,
    ...options,
  };
  const task = 'landmarkMismatch';
  checkRange(o.translateX, 0, 1, task, 'options.translateX');
  checkRange(o.translateY, 0, 1, task, 'options.translateY');
  checkInterval(o.scale, 0.01, 100, task, 'options.scale');
  checkRange(o.elasticAlpha, 0, 1e4, task, 'options.elasticAlpha');
  checkRange(o.elasticSigma, 0, 1e3, task, 'options.elasticSigma');
  return o;
}

/** Draws the affine part of the mismatch for an image of `width × height`. */
export function sampleMismatchParams(
  width: number,
  height: number,
  rng: Rng,
  options: MismatchOptions = {},
): MismatchParams {
  const o = mismatchDefaults(options);
  return {
    tx: rng.uniform(-o.translateX, o.translateX) * width,
    ty: rng.uniform(-o.translateY, o.translateY) * height,
    scale: rng.uniform(o.scale[0], o.scale[1]),
  };
}

/** The affine map of {@link MismatchParams}: scale about the image centre, then translate. */
export function mismatchAffine(params: MismatchParams, width: number, height: number): Affine {
  return scaleTranslate(params.scale, width / 2, height / 2, params.tx, params.ty);
}

/** The mask half of stage 3; the affine that the source must follow comes back with it. */
function mismatchMask(
  mask: Mask,
  rng: Rng,
  options: MismatchOptions,
): { mask: Mask; params: MismatchParams; affine: Affine } {
  const o = mismatchDefaults(options);
  const params = sampleMismatchParams(mask.width, mask.height, rng, options);
  const affine = mismatchAffine(params, mask.width, mask.height);
  const field =
    o.elasticAlpha > 0 && o.elasticSigma > 0
      ? elasticField(mask.width, mask.height, rng, o.elasticAlpha, o.elasticSigma)
      : null;
  return { mask: warpMaskElastic(mask, affine, field), params, affine };
}

/**
 * SBI stage 3: scales the source and the mask about the image centre and translates them (one affine, bilinear;
 * the source replicates its border, the mask is 0 outside), and deforms the mask alone by an elastic field
 * ({@link elasticField}); the mask's affine and elastic maps are composed and sampled once.
 */
export function landmarkMismatch(
  source: RgbImage,
  mask: Mask,
  rng: Rng,
  options: MismatchOptions = {},
): { source: RgbImage; mask: Mask; params: MismatchParams } {
  validateImage(source, 'landmarkMismatch', 'source');
  validateMask(mask, source.width, source.height, 'landmarkMismatch');
  const m = mismatchMask(mask, rng, options);
  return { source: warpRgb(source, m.affine), mask: m.mask, params: m.params };
}

// ---------------------------------------------------------------- stage 4: blend mask

/** Options of the blend mask. Kernel ranges hold odd sizes; sizes are drawn uniformly among the odd values. */
export interface BlendMaskOptions {
  /** Side range of the intermediate resize (width and height drawn independently). Default `[192, 256]`. */
  resize?: readonly [number, number];
  /** Erosion (first blur + threshold) kernel range. Default `[5, 25]`. */
  erodeKernel?: readonly [number, number];
  /** Final blur kernel range. Default `[5, 25]`. */
  blurKernel?: readonly [number, number];
  /** Final blur sigma range. Default `[5, 45]`. */
  blurSigma?: readonly [number, number];
}

/** What the blend mask drew. */
export interface BlendMaskParams {
  readonly resizeWidth: number;
  readonly resizeHeight: number;
  readonly erodeKernel: number;
  readonly blurKernel: number;
  readonly blurSigma: number;
}

function oddIn(rng: Rng, range: readonly [number, number]): number {
  const lo = Math.ceil((range[0] - 1) / 2);
  const hi = Math.floor((range[1] - 1) / 2);
  return 2 * rng.int(lo, hi) + 1;
}

/** Draws the blend-mask parameters. */
export function sampleBlendMaskParams(rng: Rng, options: BlendMaskOptions = {}): BlendMaskParams {
  const task = 'sampleBlendMaskParams';
  const { resize = [192, 256], erodeKernel = [5, 25], blurKernel = [5, 25], blurSigma = [5, 45] } = options;
  checkInterval(resize, 1, 8192, task, 'options.resize');
  checkInterval(erodeKernel, 1, 255, task, 'options.erodeKernel');
  checkInterval(blurKernel, 1, 255, task, 'options.blurKernel');
  checkInterval(blurSigma, 1e-3, 1e4, task, 'options.blurSigma');
  for (const [name, r] of [
    ['erodeKernel', erodeKernel],
    ['blurKernel', blurKernel],
  ] as const) {
    if (Math.floor((r[1] - 1) / 2) < Math.ceil((r[0] - 1) / 2)) {
      throw new ForgeryError('option.range', task, `options.${name}`, r, 'holds no odd kernel size');
    }
  }
  return {
    resizeWidth: rng.int(Math.ceil(resize[0]), Math.floor(resize[1])),
    resizeHeight: rng.int(Math.ceil(resize[0]), Math.floor(resize[1])),
    erodeKernel: oddIn(rng, erodeKernel),
    blurKernel: oddIn(rng, blurKernel),
    blurSigma: rng.uniform(blurSigma[0], blurSigma[1]),
  };
}

/** Values at or above this count as "fully inside" when the blur-and-threshold is replaced by an erosion. */
const FULL = 1 - 1e-6;

/**
 * SBI stage 4, deterministic: resize to `resizeWidth × resizeHeight` (bilinear); blur with `erodeKernel` taps,
 * normalise and zero what is below 1 — computed as what it is, an erosion of the fully-inside pixels by an
 * `erodeKernel`-sided square (the Gaussian has positive taps, so the blurred value is 1 only where the whole
 * window is 1); blur with a `blurKernel`-tap Gaussian of sigma `blurSigma`; divide by the maximum; resize back.
 * If the erosion would empty the mask, the kernel shrinks by 2 until something survives (the reference's
 * normalisation would instead keep the blur's argmax). An all-zero mask stays all-zero.
 */
export function applyBlendMask(mask: Mask, params: BlendMaskParams): Mask {
  const { width, height } = mask;
  const rw = params.resizeWidth;
  const rh = params.resizeHeight;
  const small = resizeMaskBilinear(mask, rw, rh);
  const n = rw * rh;
  for (let i = 0; i < n; i++) small.data[i] = small.data[i]! >= FULL ? 1 : 0;
  const box = maskBounds(small);
  if (!box) return { width, height, data: new Float32Array(width * height) };
  // Work on the box plus a zero margin of (blur radius + 1): inside it, clipped erosion windows and reflected
  // blur windows see the same values as on the whole image; outside it the result is exactly 0.
  const margin = (params.blurKernel - 1) / 2 + 1;
  const x0 = Math.max(0, box[0] - margin);
  const y0 = Math.max(0, box[1] - margin);
  const cw = Math.min(rw - 1, box[2] + margin) - x0 + 1;
  const ch = Math.min(rh - 1, box[3] + margin) - y0 + 1;
  // The thresholded mask is 0/1, so the erosion runs on bytes (erodeBinary equals the minimum filter there).
  const crop = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    const o = (y + y0) * rw + x0;
    for (let x = 0; x < cw; x++) crop[y * cw + x] = small.data[o + x]!;
  }
  let eroded: Uint8Array = crop;
  for (let k = params.erodeKernel; k > 1; k -= 2) {
    eroded = erodeBinary(crop, cw, ch, k);
    if (eroded.includes(1)) break;
    eroded = crop;
  }
  const blurred = convolveSeparable(
    Float32Array.from(eroded),
    cw,
    ch,
    gaussianKernel(params.blurKernel, params.blurSigma),
  );
  let max = 0;
  for (let i = 0; i < blurred.length; i++) if (blurred[i]! > max) max = blurred[i]!;
  const inv = 1 / max;
  small.data.fill(0);
  for (let y = 0; y < ch; y++) {
    const o = (y + y0) * rw + x0;
    for (let x = 0; x < cw; x++) small.data[o + x] = Math.min(1, blurred[y * cw + x]! * inv);
  }
  return resizeMaskBilinear(small, width, height);
}

/** SBI stage 4 with its random draws. */
export function blendMask(
  mask: Mask,
  rng: Rng,
  options: BlendMaskOptions = {},
): { mask: Mask; params: BlendMaskParams } {
  const params = sampleBlendMaskParams(rng, options);
  return { mask: applyBlendMask(mask, params), params };
}

// ---------------------------------------------------------------- stage 5: blend

/** SBI's blend ratios: 1 half of the time, else 0.25, 0.5 or 0.75. */
export const BLEND_RATIOS: readonly number[] = [0.25, 0.5, 0.75, 1, 1, 1];

/** Draws a blend ratio uniformly from `ratios` (default {@link BLEND_RATIOS}). */
export function sampleBlendRatio(rng: Rng, ratios: readonly number[] = BLEND_RATIOS): number {
  ratios.forEach((r, i) => {
    checkRange(r, 0, 1, 'sampleBlendRatio', `ratios[${i}]`);
  });
  return rng.choice(ratios);
}

/**
 * SBI stage 5: `fake = r·m·source + (1 − r·m)·target`, rounded to bytes. Where `m = 0` the fake is the target
 * byte for byte; where `r·m = 1` it is the source.
 */
export function blend(source: RgbImage, target: RgbImage, mask: Mask, ratio: number): RgbImage {
  validateImage(source, 'blend', 'source');
  validateImage(target, 'blend', 'target');
  if (source.width !== target.width || source.height !== target.height) {
    throw new ForgeryError(
      'image.shape',
      'blend',
      'source',
      `${source.width}x${source.height}`,
      `must match the target's ${target.width}x${target.height}`,
    );
  }
  validateMask(mask, target.width, target.height, 'blend');
  checkRange(ratio, 0, 1, 'blend', 'ratio');
  const out = Uint8Array.from(target.data);
  const m = mask.data;
  const s = source.data;
  const t = target.data;
  for (let i = 0; i < m.length; i++) {
    const a = ratio * m[i]!;
    if (a <= 0) continue;
    const k = i * 3;
    out[k] = Math.round(a * s[k]! + (1 - a) * t[k]!);
    out[k + 1] = Math.round(a * s[k + 1]! + (1 - a) * t[k + 1]!);
    out[k + 2] = Math.round(a * s[k + 2]! + (1 - a) * t[k + 2]!);
  }
  return { width: target.width, height: target.height, data: out };
}

/**
 * {@link blend} of `warpRgb(source, affine)` without warping the whole source: the source is sampled, with the
 * same arithmetic as {@link warpRgb}, only where `ratio · mask > 0`, so the result is identical byte for byte.
 */
export function blendWarped(
  source: RgbImage,
  affine: Affine,
  target: RgbImage,
  mask: Mask,
  ratio: number,
): RgbImage {
  validateImage(source, 'blendWarped', 'source');
  validateImage(target, 'blendWarped', 'target');
  validateMask(mask, target.width, target.height, 'blendWarped');
  checkRange(ratio, 0, 1, 'blendWarped', 'ratio');
  const { width: w, height: h } = source;
  if (w !== target.width || h !== target.height) {
    throw new ForgeryError(
      'image.shape',
      'blendWarped',
      'source',
      `${w}x${h}`,
      `must match the target's ${target.width}x${target.height}`,
    );
  }
  const out = Uint8Array.from(target.data);
  blendWarpedInto(source.data, w, h, affine, out, mask, ratio, maskBounds(mask));
  return { width: w, height: h, data: out };
}

/**
 * The loop of {@link blendWarped}, in place: `out` holds the target and receives the fake. Only the mask's
 * bounding box `box` is visited; the bilinear sample is {@link sampleRgb}'s arithmetic, inlined.
 */
function blendWarpedInto(
  src: Uint8Array | Uint8ClampedArray,
  w: number,
  h: number,
  affine: Affine,
  out: Uint8Array,
  mask: Mask,
  ratio: number,
  box: Rect | null,
): void {
  if (!box || !(ratio > 0)) return;
  const [a, b, c, d, e, f] = invertAffine(affine);
  const m = mask.data;
  // With b = d = 0 (SBI's scale + translate) the x sample depends on the column only and y on the row only:
  // b·yc is then exactly 0, so tabulating per column / row gives the same numbers as the general formula.
  const separable = b === 0 && d === 0;
  const n = box[2] - box[0] + 1;
  const colX = new Float64Array(n);
  if (separable) {
    for (let i = box[0]; i <= box[2]; i++) {
      const sx = a * (i + 0.5) + c - 0.5;
      colX[i - box[0]] = sx < 0 ? 0 : Math.min(sx, w - 1);
    }
  }
  for (let j = box[1]; j <= box[3]; j++) {
    const yc = j + 0.5;
    const syRow = e * yc + f - 0.5;
    const yRow = syRow < 0 ? 0 : Math.min(syRow, h - 1);
    for (let i = box[0]; i <= box[2]; i++) {
      const p = j * w + i;
      const al = ratio * m[p]!;
      if (al <= 0) continue;
      const xc = i + 0.5;
      let x: number;
      let y: number;
      if (separable) {
        x = colX[i - box[0]]!;
        y = yRow;
      } else {
        const sx = a * xc + b * yc + c - 0.5;
        const sy = d * xc + e * yc + f - 0.5;
        x = sx < 0 ? 0 : Math.min(sx, w - 1);
        y = sy < 0 ? 0 : Math.min(sy, h - 1);
      }
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const p00 = (y0 * w + x0) * 3;
      const p01 = p00 + (x0 < w - 1 ? 3 : 0);
      const p10 = p00 + (y0 < h - 1 ? w * 3 : 0);
      const p11 = p10 + (x0 < w - 1 ? 3 : 0);
      const k = p * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[p00 + ch]! + fx * (src[p01 + ch]! - src[p00 + ch]!);
        const bot = src[p10 + ch]! + fx * (src[p11 + ch]! - src[p10 + ch]!);
        const s = Math.round(top + fy * (bot - top));
        out[k + ch] = Math.round(al * s + (1 - al) * out[k + ch]!);
      }
    }
  }
}

/**
 * The source pixels that {@link blendWarpedInto} can read for a mask box: the inverse-affine image of the box's
 * pixel centres, clamped, plus the bilinear neighbour and a pixel of slack for rounding.
 */
function sourceRect(box: Rect, affine: Affine, w: number, h: number): Rect {
  const [a, b, c, d, e, f] = invertAffine(affine);
  let xmin = Number.POSITIVE_INFINITY;
  let xmax = Number.NEGATIVE_INFINITY;
  let ymin = Number.POSITIVE_INFINITY;
  let ymax = Number.NEGATIVE_INFINITY;
  for (const xc of [box[0] + 0.5, box[2] + 0.5]) {
    for (const yc of [box[1] + 0.5, box[3] + 0.5]) {
      const sx = a * xc + b * yc + c - 0.5;
      const sy = d * xc + e * yc + f - 0.5;
      xmin = Math.min(xmin, sx);
      xmax = Math.max(xmax, sx);
      ymin = Math.min(ymin, sy);
      ymax = Math.max(ymax, sy);
    }
  }
  const clampTo = (v: number, n: number) => (v < 0 ? 0 : Math.min(v, n - 1));
  return [
    clampTo(Math.floor(xmin) - 1, w),
    clampTo(Math.floor(ymin) - 1, h),
    clampTo(Math.floor(xmax) + 2, w),
    clampTo(Math.floor(ymax) + 2, h),
  ];
}

// ---------------------------------------------------------------- composition

/** Options of {@link selfBlend}: one group per stage. */
export interface SelfBlendOptions {
  hull?: RandomHullOptions;
  sourceTarget?: SourceTargetOptions;
  mismatch?: MismatchOptions;
  blendMask?: BlendMaskOptions;
  /** Blend ratios to draw from. Default {@link BLEND_RATIOS}. */
  ratios?: readonly number[];
}

/** Everything {@link selfBlend} drew, stage by stage. */
export interface SelfBlendParams {
  readonly variant: HullVariant;
  readonly dropForehead: boolean;
  readonly sourceTarget: SourceTargetParams;
  readonly mismatch: MismatchParams;
  readonly blendMask: BlendMaskParams;
  readonly ratio: number;
}

/** The output of {@link selfBlend}. */
export interface SelfBlendResult {
  /** The self-blended fake. */
  readonly fake: RgbImage;
  /** The blend mask `m` in [0, 1]; the source's weight in the fake is `params.ratio · m`. */
  readonly mask: Mask;
  /** The target: the real image the fake is paired with (the input itself, or its transformed copy). */
  readonly target: RgbImage;
  /**
   * The source before the landmark mismatch (a copy of the input, or its transformed copy). When the source is the
   * transformed copy, `selfBlend` transforms only the pixels the blend reads, and this getter makes the whole
   * image on first access.
   */
  readonly source: RgbImage;
  readonly params: SelfBlendParams;
}

/**
 * A Self-Blended Image: stages 1–5 in order, drawing from `rng` in that order, so the same seed gives the same
 * bytes. Throws {@link ForgeryError} on a bad image or landmarks (wrong count, non-finite, outside the image).
 */
export function selfBlend(
  image: RgbImage,
  landmarks: Landmarks,
  rng: Rng,
  options: SelfBlendOptions = {},
): SelfBlendResult {
  validateImage(image, 'selfBlend');
  validateLandmarks(landmarks, image.width, image.height, 'selfBlend');
  const { width: w, height: h } = image;
  const hull = randomHullMask(landmarks, w, h, rng, options.hull);
  const stParams = sampleSourceTargetParams(rng, options.sourceTarget);
  const shifted = mismatchMask(hull.mask, rng, options.mismatch ?? {});
  const bm = blendMask(shifted.mask, rng, options.blendMask);
  const ratio = sampleBlendRatio(rng, options.ratios);
  const box = maskBounds(bm.mask);
  let target: RgbImage;
  let source: () => RgbImage;
  let fake: Uint8Array;
  if (stParams.transformed === 'target') {
    target = applySourceTransform(image, stParams);
    fake = Uint8Array.from(target.data);
    blendWarpedInto(image.data, w, h, shifted.affine, fake, bm.mask, ratio, box);
    const copy = { width: w, height: h, data: Uint8Array.from(image.data) };
    source = () => copy;
  } else {
    // fake = target outside the mask, so only the source pixels the blend reads are transformed; the whole
    // transformed source is made only if the caller asks for `result.source`.
    target = { width: w, height: h, data: Uint8Array.from(image.data) };
    fake = Uint8Array.from(image.data);
    if (box && ratio > 0) {
      const region = scratchOf('source', image.data.length);
      transformRect(image, stParams, sourceRect(box, shifted.affine, w, h), region);
      blendWarpedInto(region, w, h, shifted.affine, fake, bm.mask, ratio, box);
    }
    let full: RgbImage | undefined;
    source = () => {
      full ??= applySourceTransform(image, stParams);
      return full;
    };
  }
  return {
    fake: { width: w, height: h, data: fake },
    mask: bm.mask,
    target,
    get source() {
      return source();
    },
    params: {
      variant: hull.variant,
      dropForehead: hull.dropForehead,
      sourceTarget: stParams,
      mismatch: shifted.params,
      blendMask: bm.params,
      ratio,
    },
  };
}
