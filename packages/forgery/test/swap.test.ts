import { Rng } from '@cs-dfd/rng';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyAffine,
  blendedFaceSwap,
  colorTransfer,
  ForgeryError,
  hullMask,
  type IdentifiedFace,
  landmarkDistance,
  nearestFaces,
  type Point,
  similarityTransform,
  syntheticFace,
} from '../src/index.js';

const face = (seed: number, identity: number, size = 96): IdentifiedFace => ({
  ...syntheticFace(seed, { size }),
  identity,
});

describe('similarityTransform', () => {
  it('recovers an exact similarity (scale, rotation, translation) from its action on landmarks', () => {
    const lm = syntheticFace(1, { size: 96 }).landmarks;
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 3, noNaN: true }),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (s, th, tx, ty) => {
          const a = s * Math.cos(th);
          const b = s * Math.sin(th);
          const moved = lm.map(([x, y]) => [a * x - b * y + tx, b * x + a * y + ty] as Point);
          const m = similarityTransform(lm, moved);
          [a, -b, tx, b, a, ty].forEach((v, i) =>
            expect(Math.abs(m[i]! - v)).toBeLessThan(1e-8 * (1 + Math.abs(v))),
          );
          expect(landmarkDistance(lm, moved)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('nearestFaces', () => {
  it('skips the target identity and ranks an exact similarity copy first', () => {
    const target = face(10, 0);
    const copy: IdentifiedFace = {
      image: target.image,
      landmarks: target.landmarks.map(([x, y]) => [0.9 * x + 4, 0.9 * y + 3] as Point),
      identity: 7,
    };
    const pool = [face(10, 0), face(11, 1), face(12, 2), copy, face(13, 3)];
    const order = nearestFaces(target, pool);
    expect(order[0]).toBe(3);
    expect(order).not.toContain(0);
    expect(order).toHaveLength(4);
  });
});

describe('colorTransfer', () => {
  it("matches the target's YCbCr mean and std inside the mask (up to byte rounding and clipping)", () => {
    const s = syntheticFace(20, { size: 96, noise: 6 });
    const t = syntheticFace(21, { size: 96, noise: 6 });
    const mask = hullMask(t.landmarks, 96, 96, 'full');
    const out = colorTransfer(s.image, t.image, mask);
    const stats = (img: ArrayLike<number>) => {
      const v: number[][] = [[], [], []];
      for (let p = 0; p < 96 * 96; p++) {
        if (mask.data[p]! < 0.5) continue;
        const [r, g, b] = [img[p * 3]!, img[p * 3 + 1]!, img[p * 3 + 2]!];
        v[0]!.push(0.299 * r + 0.587 * g + 0.114 * b);
        v[1]!.push(-0.168736 * r - 0.331264 * g + 0.5 * b);
        v[2]!.push(0.5 * r - 0.418688 * g - 0.081312 * b);
      }
      return v.map((c) => {
        const m = c.reduce((a, x) => a + x, 0) / c.length;
        return [m, Math.sqrt(c.reduce((a, x) => a + (x - m) ** 2, 0) / c.length)] as const;
      });
    };
    const got = stats(out.data);
    const want = stats(t.image.data);
    const before = stats(s.image.data);
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(got[c]![0] - want[c]![0])).toBeLessThan(1.5);
      expect(Math.abs(got[c]![1] - want[c]![1])).toBeLessThan(0.1 * want[c]![1] + 1);
    }
    // and the test can fail: the untransferred source is far off in luma mean
    expect(Math.abs(before[0]![0] - want[0]![0]) + Math.abs(before[1]![0] - want[1]![0])).toBeGreaterThan(3);
  });
});

describe('blendedFaceSwap', () => {
  const pool = [face(30, 0), face(31, 1), face(32, 2), face(33, 3)];
  it('keeps the target where the mask is 0, blends a different identity inside, mask in [0, 1], deterministic', () => {
    const target = face(40, 1);
    const a = blendedFaceSwap(target, pool, new Rng(3));
    const b = blendedFaceSwap(target, pool, new Rng(3));
    expect(Buffer.from(a.fake.data).equals(Buffer.from(b.fake.data))).toBe(true);
    expect(pool[a.params.sourceIndex]!.identity).not.toBe(1);
    let inside = 0;
    let changed = 0;
    const wrong: number[] = [];
    for (let p = 0; p < 96 * 96; p++) {
      const m = a.mask.data[p]!;
      if (!(m >= 0 && m <= 1)) wrong.push(p);
      const diff = [0, 1, 2].some((c) => a.fake.data[p * 3 + c] !== target.image.data[p * 3 + c]);
      if (m === 0 && diff) wrong.push(p);
      if (m > 0.9) {
        inside++;
        if (diff) changed++;
      }
    }
    expect(wrong).toEqual([]);
    expect(inside).toBeGreaterThan(500);
    expect(changed / inside).toBeGreaterThan(0.5);
  });
  it('refuses a pool with only the target identity', () => {
    expect(() => blendedFaceSwap(face(40, 1), [face(41, 1)], new Rng(1))).toThrow(ForgeryError);
  });
  it('aligns the source by the least-squares similarity: no nearby similarity fits the landmarks better', () => {
    const target = face(40, 1);
    const { params } = blendedFaceSwap(target, pool, new Rng(5));
    const src = pool[params.sourceIndex]!.landmarks;
    const sse = (m: readonly number[]) =>
      src.reduce((s, p, i) => {
        const q = applyAffine(m as never, p);
        return s + (q[0] - target.landmarks[i]![0]) ** 2 + (q[1] - target.landmarks[i]![1]) ** 2;
      }, 0);
    const best = sse(params.affine);
    const [a, nb, tx, b, , ty] = params.affine;
    const r = new Rng(8);
    for (let k = 0; k < 50; k++) {
      const da = r.normal(0, 1e-3);
      const db = r.normal(0, 1e-3);
      const m = [a + da, nb - db, tx + r.normal(0, 0.1), b + db, a + da, ty + r.normal(0, 0.1)];
      expect(sse(m)).toBeGreaterThanOrEqual(best);
    }
  });
});
