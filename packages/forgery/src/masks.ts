import { convexHull, fillConvex } from '@cs-dfd/imaging';
import type { Rng } from '@cs-dfd/rng';
import { centroid, DLIB68, pick } from './landmarks.js';
import type { Landmarks, Mask, Point } from './types.js';
import { checkRange, validateLandmarks } from './validate.js';

/**
 * The SBI hull variants:
 * - `full`: one hull of every landmark (the forehead points too when there are 81 and they are not dropped);
 * - `jawNoseEyes`: union of three hulls: jaw (0–16), nose (27–35), both eyes together (36–47);
 * - `components`: union of the hulls of dlib's eight regions (jaw, right brow, left brow, nose, right eye,
 *   left eye, mouth, inner mouth);
 * - `componentsLiftedBrows`: as `components`, but each brow hull also takes the brow points pushed away from
 *   their eye's centre by `browLift` times their distance to it, which grows the brows upward.
 */
export type HullVariant = 'full' | 'jawNoseEyes' | 'components' | 'componentsLiftedBrows';

/** All variants, in the order above. */
export const HULL_VARIANTS: readonly HullVariant[] = [
  'full',
  'jawNoseEyes',
  'components',
  'componentsLiftedBrows',
];

/** Options of {@link hullPolygons} and {@link hullMask}. */
export interface HullOptions {
  /** Leave the 13 forehead points of an 81-point set out of the `full` hull. Default `false`. No effect on 68 points. */
  dropForehead?: boolean;
  /** How far brows are lifted in `componentsLiftedBrows`, as a fraction of the eye-centre-to-brow distance. Default 0.5. */
  browLift?: number;
}

/** The convex polygons whose union is the mask of `variant` (each from {@link convexHull}). */
export function hullPolygons(
  landmarks: Landmarks,
  variant: HullVariant,
  options: HullOptions = {},
): Point[][] {
  const { dropForehead = false, browLift = 0.5 } = options;
  checkRange(browLift, 0, 5, 'hullPolygons', 'options.browLift');
  const sets: Point[][] = [];
  switch (variant) {
    case 'full': {
      const pts = landmarks.length === 81 && dropForehead ? landmarks.slice(0, 68) : [...landmarks];
      sets.push(pts);
      break;
    }
    case 'jawNoseEyes':
      sets.push(pick(landmarks, DLIB68.jaw), pick(landmarks, DLIB68.nose), [
        ...pick(landmarks, DLIB68.rightEye),
        ...pick(landmarks, DLIB68.leftEye),
      ]);
      break;
    case 'components':
    case 'componentsLiftedBrows': {
      const lift = variant === 'componentsLiftedBrows' ? browLift : 0;
      const brow = (b: readonly number[], e: readonly number[]): Point[] => {
        const pts = pick(landmarks, b);
        if (lift === 0) return pts;
        const c = centroid(pick(landmarks, e));
        return pts.concat(
          pts.map((p) => [p[0] + lift * (p[0] - c[0]), p[1] + lift * (p[1] - c[1])] as Point),
        );
      };
      sets.push(
        pick(landmarks, DLIB68.jaw),
        brow(DLIB68.rightBrow, DLIB68.rightEye),
        brow(DLIB68.leftBrow, DLIB68.leftEye),
        pick(landmarks, DLIB68.nose),
        pick(landmarks, DLIB68.rightEye),
        pick(landmarks, DLIB68.leftEye),
        pick(landmarks, DLIB68.mouth),
        pick(landmarks, DLIB68.innerMouth),
      );
      break;
    }
    default:
      throw new RangeError(`hullPolygons: unknown variant ${String(variant)}`);
  }
  return sets.map(convexHull);
}

/**
 * SBI stage 1: the binary mask (values 0 or 1) of a hull variant. A pixel is 1 iff its centre lies in (or on)
 * one of the variant's hulls; parts outside the image are clipped.
 */
export function hullMask(
  landmarks: Landmarks,
  width: number,
  height: number,
  variant: HullVariant,
  options: HullOptions = {},
): Mask {
  validateLandmarks(landmarks, width, height, 'hullMask');
  const data = new Float32Array(width * height);
  for (const hull of hullPolygons(landmarks, variant, options)) fillConvex(hull, data, width, height, 1);
  return { width, height, data };
}

/** Options of {@link randomHullMask}. */
export interface RandomHullOptions {
  /** Variants to draw from, uniformly. Default {@link HULL_VARIANTS}. */
  variants?: readonly HullVariant[];
  /** Probability of dropping the forehead of an 81-point set. Default 0.5. */
  foreheadDropProbability?: number;
  /** See {@link HullOptions.browLift}. Default 0.5. */
  browLift?: number;
}

/** SBI stage 1 with its random choices: a variant (uniform) and, for 81 points, whether to drop the forehead. */
export function randomHullMask(
  landmarks: Landmarks,
  width: number,
  height: number,
  rng: Rng,
  options: RandomHullOptions = {},
): { mask: Mask; variant: HullVariant; dropForehead: boolean } {
  const { variants = HULL_VARIANTS, foreheadDropProbability = 0.5, browLift = 0.5 } = options;
  checkRange(foreheadDropProbability, 0, 1, 'randomHullMask', 'options.foreheadDropProbability');
  const variant = rng.choice(variants);
  const dropForehead = landmarks.length === 81 && rng.bernoulli(foreheadDropProbability);
  return {
    mask: hullMask(landmarks, width, height, variant, { dropForehead, browLift }),
    variant,
    dropForehead,
  };
}
