import { bruteHullEdges, insideEdges, type Pt } from '@cs-dfd/test-utils/imaging';
import { describe, expect, it } from 'vitest';
import {
  DLIB68,
  FOREHEAD81,
  HULL_VARIANTS,
  type HullVariant,
  hullMask,
  syntheticFace,
} from '../src/index.js';

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
