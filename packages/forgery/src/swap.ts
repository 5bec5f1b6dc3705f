/**
 * Blended face swap in the style of Face X-ray / I2G: a face from another identity with the nearest landmarks is
 * aligned to the target by a similarity transform, colour-matched inside the face, and blended in with a
 * deformed, eroded or dilated, feathered hull mask.
 */

import { approxGaussianBlur, fitSimilarity, ImagingError, type Similarity } from '@cs-dfd/imaging';
import type { Rng } from '@cs-dfd/rng';
import { ForgeryError } from './errors.js';
import { hullMask } from './masks.js';
import { dilate, erode } from './morphology.js';
import { blend } from './sbi.js';
import type { Face, Landmarks, Mask, RgbImage } from './types.js';
import { checkInt, checkInterval, validateImage, validateLandmarks } from './validate.js';
import { type Affine, applyAffine, elasticField, warpMaskElastic, warpRgb } from './warp.js';

/** A face with an identity label (faces of the same identity are never swapped into each other). */
export interface IdentifiedFace extends Face {
  readonly identity: string | number;
}

/**
 * The least-squares similarity (rotation, uniform scale, translation; no reflection) mapping `from` onto `to`
 * (`fitSimilarity` of `@cs-dfd/imaging`), as an affine. Throws `landmarks.count` for fewer than 2 or unequal
 * counts, and for points that coincide or are not finite.
 */
export function similarityTransform(from: Landmarks, to: Landmarks): Affine {
  if (from.length !== to.length || from.length < 2) {
    throw new ForgeryError(
      'landmarks.count',
      'similarityTransform',
      'landmarks.length',
      `${from.length} vs ${to.length}`,
      'need two equal-length sets of at least 2 points',
    );
  }
  let t: Similarity;
  try {
    t = fitSimilarity(from, to);
  } catch (e) {
    if (!(e instanceof ImagingError)) throw e;
    throw new ForgeryError(
      'landmarks.count',
      'similarityTransform',
      'from',
      e.code === 'points.degenerate' ? 'all points equal' : 'not finite',
      'degenerate landmarks',
    );
  }
  return [t.a, -t.b, t.tx, t.b, t.a, t.ty];
}

/** RMS distance between `to` and `from` aligned onto it by {@link similarityTransform}, over `to`'s RMS radius. */
export function landmarkDistance(from: Landmarks, to: Landmarks): number {
  const m = similarityTransform(from, to);
  let cx = 0;
  let cy = 0;
  for (const p of to) {
    cx += p[0];
    cy += p[1];
  }
  cx /= to.length;
  cy /= to.length;
  let err = 0;
  let rad = 0;
  for (let i = 0; i < to.length; i++) {
    const q = applyAffine(m, from[i]!);
    err += (q[0] - to[i]![0]) ** 2 + (q[1] - to[i]![1]) ** 2;
    rad += (to[i]![0] - cx) ** 2 + (to[i]![1] - cy) ** 2;
  }
  return Math.sqrt(err / rad);
}

/** Indices of the pool's faces of other identities, nearest landmarks first (by {@link landmarkDistance}, 68 points). */
export function nearestFaces(target: IdentifiedFace, pool: readonly IdentifiedFace[]): number[] {
  const t = target.landmarks.slice(0, 68);
  return pool
    .map((f, i) => ({
      i,
      same: f.identity === target.identity,
      d: landmarkDistance(f.landmarks.slice(0, 68), t),
    }))
    .filter((c) => !c.same)
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((c) => c.i);
}

const toYcc = (r: number, g: number, b: number): [number, number, number] => [
  0.299 * r + 0.587 * g + 0.114 * b,
  128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
  128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
];

function yccStats(image: RgbImage, mask: Mask): { mean: number[]; std: number[] } {
  const s = [0, 0, 0];
  const s2 = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < mask.data.length; p++) {
    if (mask.data[p]! < 0.5) continue;
    const v = toYcc(image.data[p * 3]!, image.data[p * 3 + 1]!, image.data[p * 3 + 2]!);
    for (let c = 0; c < 3; c++) {
      s[c]! += v[c]!;
      s2[c]! += v[c]! * v[c]!;
    }
    n++;
  }
  const mean = s.map((v) => v / Math.max(1, n));
  const std = s2.map((v, c) => Math.sqrt(Math.max(0, v / Math.max(1, n) - mean[c]! ** 2)));
  return { mean, std };
}

/**
 * Reinhard colour transfer in YCbCr (BT.601, full range): every pixel of `source` gets, per channel,
 * `(v − μ_s) · σ_t / σ_s + μ_t`, the statistics taken over the pixels where `mask ≥ 0.5` in each image. The whole
 * image is transformed (the caller blends only the face). A channel that is flat in the source is only shifted.
 */
export function colorTransfer(source: RgbImage, target: RgbImage, mask: Mask): RgbImage {
  const a = yccStats(source, mask);
  const b = yccStats(target, mask);
  const gain = a.std.map((s, c) => (s > 1e-6 ? b.std[c]! / s : 1));
  const out = new Uint8Array(source.data.length);
  for (let p = 0; p < source.data.length; p += 3) {
    const v = toYcc(source.data[p]!, source.data[p + 1]!, source.data[p + 2]!);
    const y = (v[0] - a.mean[0]!) * gain[0]! + b.mean[0]!;
    const cb = (v[1] - a.mean[1]!) * gain[1]! - 128 + b.mean[1]!;
    const cr = (v[2] - a.mean[2]!) * gain[2]! - 128 + b.mean[2]!;
    const rgb = [y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb];
    for (let c = 0; c < 3; c++) out[p + c] = Math.max(0, Math.min(255, Math.round(rgb[c]!)));
  }
  return { width: source.width, height: source.height, data: out };
}

/** Options of {@link blendedFaceSwap}. */
export interface FaceSwapOptions {
  /** Draw the source uniformly among this many nearest other-identity faces. Default 5. */
  candidates?: number;
  /** Range of the odd kernel side of the mask's morphology; erode or dilate with probability 1/2. Default `[1, 15]`. */
  morphKernel?: readonly [number, number];
  /** Feathering blur sigma range, in pixels. Default `[2, 8]`. */
  featherSigma?: readonly [number, number];
  /** Elastic deformation of the mask (alpha, sigma). Default `[50, 7]`; alpha 0 turns it off. */
  elastic?: readonly [number, number];
  /** Reinhard colour transfer inside the face. Default true. */
  colorTransfer?: boolean;
}

/** What {@link blendedFaceSwap} drew. */
export interface FaceSwapParams {
  readonly sourceIndex: number;
  readonly affine: Affine;
  readonly morph: 'erode' | 'dilate';
  readonly morphKernel: number;
  readonly featherSigma: number;
}

/**
 * A blended face swap: `fake = m · colourMatched(aligned source) + (1 − m) · target`, `m` the target's full hull,
 * elastically deformed, eroded or dilated, and feathered. Pixels where `m = 0` are the target's.
 */
export function blendedFaceSwap(
  target: IdentifiedFace,
  pool: readonly IdentifiedFace[],
  rng: Rng,
  options: FaceSwapOptions = {},
): { fake: RgbImage; mask: Mask; params: FaceSwapParams } {
  const task = 'blendedFaceSwap';
  const { candidates = 5, morphKernel = [1, 15], featherSigma = [2, 8], elastic = [50, 7] } = options;
  const transfer = options.colorTransfer ?? true;
  validateImage(target.image, task, 'target.image');
  const { width: w, height: h } = target.image;
  validateLandmarks(target.landmarks, w, h, task);
  checkInt(candidates, 1, 1e6, task, 'options.candidates');
  checkInterval(morphKernel, 1, 255, task, 'options.morphKernel');
  checkInterval(featherSigma, 0, 1e3, task, 'options.featherSigma');
  pool.forEach((f, i) => {
    validateImage(f.image, task, `pool[${i}].image`);
    validateLandmarks(f.landmarks, f.image.width, f.image.height, task);
  });
  const order = nearestFaces(target, pool);
  if (order.length === 0)
    throw new ForgeryError('pool.empty', task, 'pool', pool.length, 'holds no face of another identity');
  const sourceIndex = order[rng.int(0, Math.min(candidates, order.length) - 1)]!;
  const source = pool[sourceIndex]!;
  const affine = similarityTransform(source.landmarks.slice(0, 68), target.landmarks.slice(0, 68));
  // The source may have another size: warp it onto the target's canvas.
  const aligned = warpOnto(source.image, affine, w, h);
  const hull = hullMask(target.landmarks, w, h, 'full', { dropForehead: true });
  const field = elastic[0] > 0 ? elasticField(w, h, rng, elastic[0], elastic[1]) : null;
  let m = warpMaskElastic(hull, [1, 0, 0, 0, 1, 0], field).data;
  const morph = rng.bernoulli() ? 'erode' : 'dilate';
  const lo = Math.ceil((morphKernel[0] - 1) / 2);
  const k = 2 * rng.int(lo, Math.max(lo, Math.floor((morphKernel[1] - 1) / 2))) + 1;
  if (k > 1) m = morph === 'erode' ? erode(m, w, h, k) : dilate(m, w, h, k);
  const sigma = rng.uniform(featherSigma[0], featherSigma[1]);
  const feathered = approxGaussianBlur(m, w, h, sigma);
  for (let i = 0; i < feathered.length; i++) feathered[i] = Math.min(1, Math.max(0, feathered[i]!));
  const mask: Mask = { width: w, height: h, data: feathered };
  const src = transfer ? colorTransfer(aligned, target.image, mask) : aligned;
  return {
    fake: blend(src, target.image, mask, 1),
    mask,
    params: { sourceIndex, affine, morph, morphKernel: k, featherSigma: sigma },
  };
}

function warpOnto(image: RgbImage, affine: Affine, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return warpRgb(image, affine);
  // Pad/crop to the target canvas first (replicating edges), then warp in place.
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, y);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, x);
      data.set(
        image.data.subarray((sy * image.width + sx) * 3, (sy * image.width + sx) * 3 + 3),
        (y * width + x) * 3,
      );
    }
  }
  return warpRgb({ width, height, data }, affine);
}
