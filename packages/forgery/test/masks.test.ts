import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  convexHull,
  DLIB68,
  FOREHEAD81,
  fillConvex,
  HULL_VARIANTS,
  type HullVariant,
  hullMask,
  polygonArea,
  syntheticFace,
} from '../src/index.js';
import { bruteHullEdges, insideEdges, type Pt } from './helpers.js';

const pointArb = (w: number, h: number) =>
  fc.tuple(
    fc.double({ min: -5, max: w + 5, noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: -5, max: h + 5, noNaN: true, noDefaultInfinity: true }),
  );

// Points on a quarter-pixel grid: cross products are exact, and pixel centres often fall exactly on hull edges.
const gridPointArb = (w: number, h: number) =>
  fc
    .tuple(fc.integer({ min: -20, max: 4 * w + 20 }), fc.integer({ min: -20, max: 4 * h + 20 }))
    .map(([x, y]) => [x / 4, y / 4] as [number, number]);

describe('convexHull', () => {
  it('keeps exactly the brute-force hull vertices, with positive orientation', () => {
    fc.assert(
      fc.property(fc.array(gridPointArb(40, 40), { minLength: 3, maxLength: 30 }), (pts) => {
        const hull = convexHull(pts);
        if (hull.length < 3) return; // collinear input
        expect(polygonArea(hull)).toBeGreaterThan(0);
        const edges = bruteHullEdges(pts);
        // every point is inside-or-on the computed hull, every hull vertex is a brute-force edge endpoint
        for (const p of pts) expect(insideEdges(edges, p)).toBe(true);
        for (const v of hull) expect(edges.some(([a]) => a[0] === v[0] && a[1] === v[1])).toBe(true);
        // and no vertex is redundant: dropping any one shrinks the hull
        for (let k = 0; k < hull.length; k++) {
          expect(polygonArea(hull.filter((_, i) => i !== k))).toBeLessThan(polygonArea(hull));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('fillConvex', () => {
  it.each([
    ['real-valued points', pointArb(24, 20)],
    ['quarter-pixel points (centres on edges)', gridPointArb(24, 20)],
  ])('sets a pixel iff its centre is inside or on the hull (%s, clipped at the border)', (_, arb) => {
    fc.assert(
      fc.property(fc.array(arb, { minLength: 3, maxLength: 12 }), (pts) => {
        const hull = convexHull(pts);
        const out = new Uint8Array(24 * 20);
        fillConvex(hull, out, 24, 20);
        const edges = bruteHullEdges(pts);
        const degenerate = hull.length < 3;
        const wrong: string[] = [];
        for (let j = 0; j < 20; j++) {
          for (let i = 0; i < 24; i++) {
            const want = degenerate ? false : insideEdges(edges, [i + 0.5, j + 0.5]);
            if (out[j * 24 + i] !== (want ? 1 : 0)) wrong.push(`${i},${j}`);
          }
        }
        expect(wrong).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('includes centres exactly on an edge (integer landmarks, boundary through half-integers)', () => {
    // Triangle (0,0) (4,0) (0,4): its hypotenuse x + y = 4 passes through the centres (0.5,3.5), (1.5,2.5), ...
    const out = new Uint8Array(16);
    fillConvex(
      convexHull([
        [0, 0],
        [4, 0],
        [0, 4],
      ]),
      out,
      4,
      4,
    );
    expect(Array.from(out)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0]);
  });
});

describe('hullMask', () => {
  const subsets: Record<HullVariant, (lm: readonly Pt[]) => Pt[][]> = {
    full: (lm) => [lm.slice()],
    jawNoseEyes: (lm) => [
      DLIB68.jaw.map((i) => lm[i]!),
      DLIB68.nose.map((i) => lm[i]!),
      [...DLIB68.rightEye, ...DLIB68.leftEye].map((i) => lm[i]!),
    ],
    components: (lm) =>
      [
        DLIB68.jaw,
        DLIB68.rightBrow,
        DLIB68.leftBrow,
        DLIB68.nose,
        DLIB68.rightEye,
        DLIB68.leftEye,
        DLIB68.mouth,
        DLIB68.innerMouth,
      ].map((g) => g.map((i) => lm[i]!)),
    componentsLiftedBrows: (lm) => {
      const lifted = (brow: readonly number[], eye: readonly number[]) => {
        const cx = eye.reduce((s, i) => s + lm[i]![0], 0) / eye.length;
        const cy = eye.reduce((s, i) => s + lm[i]![1], 0) / eye.length;
        const b = brow.map((i) => lm[i]!);
        return [...b, ...b.map(([x, y]) => [x + 0.5 * (x - cx), y + 0.5 * (y - cy)] as Pt)];
      };
      return [
        DLIB68.jaw.map((i) => lm[i]!),
        lifted(DLIB68.rightBrow, DLIB68.rightEye),
        lifted(DLIB68.leftBrow, DLIB68.leftEye),
        ...[DLIB68.nose, DLIB68.rightEye, DLIB68.leftEye, DLIB68.mouth, DLIB68.innerMouth].map((g) =>
          g.map((i) => lm[i]!),
        ),
      ];
    },
  };

  for (const variant of HULL_VARIANTS) {
    it(`${variant}: a pixel is 1 iff its centre lies in one of the hulls of its landmark subsets, else 0`, () => {
      for (const seed of [1, 2]) {
        const { image, landmarks } = syntheticFace(seed, { size: 96, noise: 0 });
        const mask = hullMask(landmarks, image.width, image.height, variant);
        const hulls = subsets[variant](landmarks).map(bruteHullEdges);
        let ones = 0;
        const wrong: string[] = [];
        for (let j = 0; j < 96; j++) {
          for (let i = 0; i < 96; i++) {
            const want = hulls.some((e) => insideEdges(e, [i + 0.5, j + 0.5])) ? 1 : 0;
            if (mask.data[j * 96 + i] !== want) wrong.push(`${i},${j}`);
            ones += want;
          }
        }
        expect(wrong).toEqual([]);
        expect(ones).toBeGreaterThan(500); // a face-sized region, not an empty mask
      }
    });
  }

  it('the variants differ from each other on the same face', () => {
    const { landmarks } = syntheticFace(3, { size: 96, noise: 0 });
    const masks = HULL_VARIANTS.map((v) => hullMask(landmarks, 96, 96, v).data.join(''));
    expect(new Set(masks).size).toBe(HULL_VARIANTS.length);
  });

  it('full: 81 points include the forehead unless dropped; dropping gives the 68-point hull', () => {
    const { landmarks } = syntheticFace(4, { size: 96, points: 81, noise: 0 });
    const withF = hullMask(landmarks, 96, 96, 'full');
    const without = hullMask(landmarks, 96, 96, 'full', { dropForehead: true });
    const base = hullMask(landmarks.slice(0, 68), 96, 96, 'full');
    expect(Array.from(without.data)).toEqual(Array.from(base.data));
    const sum = (m: Float32Array) => m.reduce((a, b) => a + b, 0);
    expect(sum(withF.data)).toBeGreaterThan(sum(without.data) + 100);
    expect(FOREHEAD81).toHaveLength(13);
  });
});
