import { Rng } from '@cs-dfd/rng';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noiseStream } from '../src/camera.js';
import { createCoverage, fillPolygon, gaussianBlur } from '../src/raster.js';
import { blockUpsample, convexHull } from '../src/traces.js';

function shoelace(p: ArrayLike<number>): number {
  let a = 0;
  const n = p.length >> 1;
  for (let i = 0, j = n - 1; i < n; j = i++) a += p[2 * j]! * p[2 * i + 1]! - p[2 * i]! * p[2 * j + 1]!;
  return Math.abs(a) / 2;
}

const point = fc.tuple(
  fc.double({ min: 2, max: 46, noNaN: true }),
  fc.double({ min: 2, max: 46, noNaN: true }),
);

describe('fillPolygon', () => {
  it('total coverage equals the polygon area (shoelace) for convex polygons', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 3, maxLength: 12 }), (pts) => {
        const hull = convexHull(pts.flat());
        fc.pre(hull.length >= 6);
        const cov = fillPolygon(createCoverage(48, 48), hull);
        let total = 0;
        for (const v of cov.data) total += v;
        // Four sub-scanlines per row: the error is bounded by the vertical sampling, O(perimeter / 8).
        let perimeter = 0;
        const n = hull.length >> 1;
        for (let i = 0, j = n - 1; i < n; j = i++)
          perimeter += Math.hypot(hull[2 * i]! - hull[2 * j]!, hull[2 * i + 1]! - hull[2 * j + 1]!);
        expect(Math.abs(total - shoelace(hull))).toBeLessThanOrEqual(perimeter / 8 + 1e-6);
        expect(Math.max(...cov.data)).toBeLessThanOrEqual(1 + 1e-6);
      }),
      { numRuns: 60 },
    );
  });

  it('an axis-aligned rectangle on pixel edges covers exactly its pixels', () => {
    const cov = fillPolygon(createCoverage(10, 10), [2, 3, 7, 3, 7, 5, 2, 5]);
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 10; x++)
        expect(cov.data[y * 10 + x]).toBeCloseTo(x >= 2 && x < 7 && y >= 3 && y < 5 ? 1 : 0, 6);
  });
});

describe('convexHull', () => {
  it('contains every input point', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 3, maxLength: 20 }), (pts) => {
        const hull = convexHull(pts.flat());
        const n = hull.length >> 1;
        fc.pre(n >= 3);
        for (const [x, y] of pts) {
          for (let i = 0; i < n; i++) {
            const j = (i + 1) % n;
            const cross =
              (hull[2 * j]! - hull[2 * i]!) * (y - hull[2 * i + 1]!) -
              (hull[2 * j + 1]! - hull[2 * i + 1]!) * (x - hull[2 * i]!);
            expect(cross).toBeGreaterThanOrEqual(-1e-6);
          }
        }
      }),
    );
  });
});

describe('gaussianBlur', () => {
  it('preserves the sum away from the edges and a constant image exactly', () => {
    const w = 21;
    const src = new Float32Array(w * w);
    src[10 * w + 10] = 1;
    const out = gaussianBlur(src, w, w, 1, 1.5);
    let s = 0;
    for (const v of out) s += v;
    expect(s).toBeCloseTo(1, 5);
    // Symmetric impulse response.
    expect(out[10 * w + 8]).toBeCloseTo(out[10 * w + 12]!, 6);
    expect(out[8 * w + 10]).toBeCloseTo(out[10 * w + 8]!, 6);
    const flat = gaussianBlur(new Float32Array(3 * 25).fill(7), 5, 5, 3, 2);
    for (const v of flat) expect(v).toBeCloseTo(7, 5);
  });
});

describe('noiseStream', () => {
  it('has mean 0 and variance 1 (Irwin-Hall of four uniforms)', () => {
    const next = noiseStream(new Rng(3));
    let s = 0;
    let s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const z = next();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
  });
});

describe('blockUpsample', () => {
  it('is constant on each k×k block and keeps the block means', () => {
    const c = { width: 6, height: 6, data: new Float32Array(108).map((_, i) => (i * 37) % 101) };
    const b = blockUpsample(c, 3);
    for (let ch = 0; ch < 3; ch++) {
      let orig = 0;
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) orig += c.data[3 * (y * 6 + x) + ch]!;
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 3; x++) expect(b.data[3 * (y * 6 + x) + ch]).toBeCloseTo(orig / 9, 4);
    }
  });
});
