import { ForgeryError } from './errors.js';
import type { Landmarks, Mask, RgbImage } from './types.js';

/** Checks an {@link RgbImage}: positive integer size and exactly `width*height*3` bytes. */
export function validateImage(image: RgbImage, task: string, field = 'image'): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || width < 1) {
    throw new ForgeryError('image.shape', task, `${field}.width`, width, 'must be a positive integer');
  }
  if (!Number.isInteger(height) || height < 1) {
    throw new ForgeryError('image.shape', task, `${field}.height`, height, 'must be a positive integer');
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new ForgeryError('image.data', task, `${field}.data`, data, 'must be a Uint8Array of RGB bytes');
  }
  if (data.length !== width * height * 3) {
    throw new ForgeryError(
      'image.data',
      task,
      `${field}.data.length`,
      data.length,
      `expected width*height*3 = ${width * height * 3} (RGB, no alpha)`,
    );
  }
}

/** Checks a {@link Mask} against the size it must have. */
export function validateMask(mask: Mask, width: number, height: number, task: string, field = 'mask'): void {
  if (mask.width !== width || mask.height !== height || mask.data.length !== width * height) {
    throw new ForgeryError(
      'mask.shape',
      task,
      field,
      `${mask.width}x${mask.height} (${mask.data.length} values)`,
      `expected ${width}x${height}`,
    );
  }
}

/**
 * Checks landmarks: 68 or 81 points, each a finite `[x, y]` inside the image (`0 <= x <= width`,
 * `0 <= y <= height`; points on the far border are allowed because pixel edges are at integers).
 */
export function validateLandmarks(landmarks: Landmarks, width: number, height: number, task: string): void {
  if (!Array.isArray(landmarks) || (landmarks.length !== 68 && landmarks.length !== 81)) {
    const n = Array.isArray(landmarks) ? landmarks.length : landmarks;
    throw new ForgeryError('landmarks.count', task, 'landmarks.length', n, 'expected 68 (dlib) or 81 points');
  }
  for (let i = 0; i < landmarks.length; i++) {
    const p = landmarks[i];
    if (!Array.isArray(p) || p.length !== 2) {
      throw new ForgeryError('landmarks.count', task, `landmarks[${i}]`, p, 'a point is [x, y]');
    }
    for (let k = 0; k < 2; k++) {
      const v = p[k] as number;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new ForgeryError('landmarks.nonfinite', task, `landmarks[${i}][${k}]`, v, 'must be finite');
      }
      const limit = k === 0 ? width : height;
      if (v < 0 || v > limit) {
        throw new ForgeryError(
          'landmarks.outside',
          task,
          `landmarks[${i}][${k}]`,
          v,
          `outside the ${width}x${height} image (0..${limit})`,
        );
      }
    }
  }
}

/** Throws unless `lo <= value <= hi` (and finite). */
export function checkRange(value: number, lo: number, hi: number, task: string, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new ForgeryError('option.range', task, field, value, `must be in [${lo}, ${hi}]`);
  }
}

/** Throws unless `value` is an integer in `[lo, hi]`. */
export function checkInt(value: number, lo: number, hi: number, task: string, field: string): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new ForgeryError('option.range', task, field, value, `must be an integer in [${lo}, ${hi}]`);
  }
}

/** Throws unless `[lo, hi]` is an ordered range inside `[min, max]`. */
export function checkInterval(
  range: readonly [number, number],
  min: number,
  max: number,
  task: string,
  field: string,
): void {
  if (!Array.isArray(range) || range.length !== 2) {
    throw new ForgeryError('option.range', task, field, range, 'must be a [lo, hi] pair');
  }
  checkRange(range[0], min, max, task, `${field}[0]`);
  checkRange(range[1], range[0], max, task, `${field}[1]`);
}
