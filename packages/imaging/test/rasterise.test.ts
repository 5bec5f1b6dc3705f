// The two rasterisers: fillConvex exact against a brute-force hull and point-in-polygon (from @cs-dfd/forgery's
// tests), fillPolygon's coverage against the shoelace area (from @cs-dfd/faceworld's).
import { bruteHullEdges, insideEdges } from '@cs-dfd/test-utils/imaging';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convexHull, convexHullXY, createCoverage, fillConvex, fillPolygon } from '../src/index.js';

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
        const hull = convexHullXY(pts.flat());
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
    expect([cov.x0, cov.y0, cov.x1, cov.y1]).toEqual([2, 3, 7, 5]);
  });

  it('clears the previous polygon and clips at the border', () => {
    const cov = createCoverage(8, 8);
    fillPolygon(cov, [1, 1, 4, 1, 4, 4, 1, 4]);
    fillPolygon(cov, [6, 6, 10, 6, 10, 10, 6, 10]);
    let total = 0;
    for (const v of cov.data) total += v;
    expect(total).toBeCloseTo(4, 6); // only the 2×2 inside of the second square
  });

  it('agrees with fillConvex away from edges: full coverage where the centre test is inside by > 1 px', () => {
    const hull = convexHull([
      [3.2, 2.7],
      [20.5, 4.1],
      [17.3, 19.9],
      [5.1, 15.2],
    ]);
    const cov = fillPolygon(createCoverage(24, 24), hull.flat());
    const mask = new Uint8Array(24 * 24);
    fillConvex(hull, mask, 24, 24);
    for (let i = 0; i < mask.length; i++) {
      if (cov.data[i]! > 1 - 1e-6) expect(mask[i]).toBe(1);
      if (cov.data[i] === 0) expect(mask[i]).toBe(0);
    }
  });
});
