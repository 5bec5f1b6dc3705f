import type { Point } from './types.js';

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/**
 * dlib's 68-point (iBUG-300W) regions, 0-based and inclusive, as `imutils` names them. "Right" is the subject's
 * right, i.e. the image's left for a frontal face.
 */
export const DLIB68 = {
  jaw: range(0, 16),
  rightBrow: range(17, 21),
  leftBrow: range(22, 26),
  nose: range(27, 35),
  noseBridge: range(27, 30),
  rightEye: range(36, 41),
  leftEye: range(42, 47),
  mouth: range(48, 59),
  innerMouth: range(60, 67),
} as const;

/** Indices 68..80 of the 81-point model (forehead contour). */
export const FOREHEAD81 = range(68, 80);

/** Picks `indices` out of `landmarks`. */
export function pick(landmarks: readonly Point[], indices: readonly number[]): Point[] {
  return indices.map((i) => landmarks[i]!);
}

/** Centroid of some points. */
export function centroid(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0];
    y += p[1];
  }
  return [x / points.length, y / points.length];
}
