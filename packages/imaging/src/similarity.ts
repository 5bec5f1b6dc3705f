import { ImagingError } from './errors.js';
import type { Point } from './hull.js';

/**
 * A 2-D similarity (rotation, uniform scale, translation, no reflection):
 * `x' = a·x − b·y + tx`, `y' = b·x + a·y + ty`; the scale is `hypot(a, b)` and the angle `atan2(b, a)`.
 */
export interface Similarity {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

/**
 * The least-squares similarity mapping `src[i]` onto `dst[i]` (Umeyama 1991, the estimator of scikit-image's
 * `SimilarityTransform.estimate`). In 2-D, with centred points `u = p − p̄`, `v = q − q̄`, it has the closed form
 * `a = Σ u·v / Σ|u|²`, `b = Σ (u × v) / Σ|u|²` (in complex numbers `z' = a·z + t`,
 * `a = Σ conj(z − z̄)(w − w̄) / Σ|z − z̄|²`): minimising over (a, b) ∈ ℝ² is the same as minimising over scale ≥ 0
 * and proper rotations. Throws an {@link ImagingError}: `points.count` for fewer than 2 pairs or mismatched
 * lengths, `points.nonfinite`, `points.degenerate` when the source points all coincide (to ~1e-9 of their
 * magnitude: no direction, no scale).
 */
export function fitSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  if (src.length !== dst.length || src.length < 2) {
    throw new ImagingError(
      'points.count',
      `fitSimilarity: needs >= 2 point pairs of equal count, got ${src.length} and ${dst.length}`,
    );
  }
  const n = src.length;
  let px = 0;
  let py = 0;
  let qx = 0;
  let qy = 0;
  for (let i = 0; i < n; i++) {
    const p = src[i]!;
    const q = dst[i]!;
    if (!(Number.isFinite(p[0]) && Number.isFinite(p[1]) && Number.isFinite(q[0]) && Number.isFinite(q[1]))) {
      throw new ImagingError('points.nonfinite', `fitSimilarity: point pair ${i} is not finite`);
    }
    px += p[0];
    py += p[1];
    qx += q[0];
    qy += q[1];
  }
  px /= n;
  py /= n;
  qx /= n;
  qy /= n;
  let ss = 0;
  let dot = 0;
  let crs = 0;
  for (let i = 0; i < n; i++) {
    const ux = src[i]![0] - px;
    const uy = src[i]![1] - py;
    const vx = dst[i]![0] - qx;
    const vy = dst[i]![1] - qy;
    ss += ux * ux + uy * uy;
    dot += ux * vx + uy * vy;
    crs += ux * vy - uy * vx;
  }
  // relative test: points spread by less than ~1e-9 of their magnitude carry no direction
  if (!(ss > 1e-18 * (1 + px * px + py * py))) {
    throw new ImagingError('points.degenerate', 'fitSimilarity: the source points coincide');
  }
  const a = dot / ss;
  const b = crs / ss;
  return { a, b, tx: qx - (a * px - b * py), ty: qy - (b * px + a * py) };
}

/** `t(p)`. */
export function applySimilarity(t: Similarity, p: Point): [number, number] {
  return [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];
}

/** The inverse map; throws an {@link ImagingError} (`similarity.scale`) for a zero scale. */
export function invertSimilarity(t: Similarity): Similarity {
  const s2 = t.a * t.a + t.b * t.b;
  if (!(s2 > 0))
    throw new ImagingError('similarity.scale', 'invertSimilarity: the similarity has zero scale');
  const a = t.a / s2;
  const b = -t.b / s2;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}
