import type { Point } from '@cs-dfd/imaging';
import { PrepError } from './errors.js';

/**
 * The 5-point face template (left eye, right eye, nose tip, left and right mouth corner) of ArcFace/InsightFace for
 * a 96×112 crop, as DeepfakeBench's `preprocessing/preprocess.py` (`img_align_crop`) uses it.
 */
export const ARCFACE_TEMPLATE_96x112: readonly Point[] = [
  [30.2946, 51.6963],
  [65.5318, 51.5014],
  [48.0252, 71.7366],
  [33.5493, 92.3655],
  [62.7299, 92.2041],
];

/**
 * The template points in a `size`×`size` crop with DeepfakeBench's margin: shifted by 8 px to a 112×112 crop,
 * scaled to `size`, then shrunk about the crop so that the face fills `1/scale` of it (`scale` 1.3 leaves 15 % of
 * the side on each border, room that blending-based forgeries such as SBI need around the face).
 */
export function alignmentTemplate(size: number, scale = 1.3): Point[] {
  if (!(Number.isInteger(size) && size >= 8)) {
    throw new PrepError('invalid-option', `alignment size must be an integer >= 8, got ${size}`);
  }
  if (!(Number.isFinite(scale) && scale >= 1)) {
    throw new PrepError('invalid-option', `alignment scale must be a number >= 1, got ${scale}`);
  }
  const margin = (size * (scale - 1)) / 2;
  const shrink = size / (size + 2 * margin);
  return ARCFACE_TEMPLATE_96x112.map(([x, y]) => [
    (((x + 8) * size) / 112 + margin) * shrink,
    ((y * size) / 112 + margin) * shrink,
  ]);
}

/**
 * The template's five points from 68 iBUG-300W landmarks (0-based): the eye centres (mean of 36–41 and 42–47), the
 * nose tip 30 and the mouth corners 48 and 54 — the points the template was defined for. (DeepfakeBench takes the
 * single points 37, 44, 30, 49, 55 instead; eye centres are steadier under blinks.)
 */
export function fivePoints(landmarks: readonly Point[]): Point[] {
  if (landmarks.length !== 68) {
    throw new PrepError('invalid-option', `fivePoints: needs 68 landmarks, got ${landmarks.length}`);
  }
  const mean = (from: number, to: number): Point => {
    let x = 0;
    let y = 0;
    for (let i = from; i <= to; i++) {
      x += landmarks[i]![0];
      y += landmarks[i]![1];
    }
    const n = to - from + 1;
    return [x / n, y / n];
  };
  return [mean(36, 41), mean(42, 47), landmarks[30]!, landmarks[48]!, landmarks[54]!];
}
