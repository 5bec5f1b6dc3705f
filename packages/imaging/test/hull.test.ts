// Convex hull: exact against a brute-force hull (from @cs-dfd/forgery's tests) and convex, containing every
// point (from @cs-dfd/faceworld's); the flat-array form is the same hull.
import { bruteHullEdges, insideEdges } from '@cs-dfd/test-utils/imaging';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convexHull, convexHullXY, cross, insideConvex, type Point, polygonArea } from '../src/index.js';

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

describe('convexHull (properties)', () => {
  const point = fc.tuple(
    fc.double({ min: 2, max: 46, noNaN: true }),
    fc.double({ min: 2, max: 46, noNaN: true }),
  );

  it('contains every input point and is convex (every turn strictly counter-clockwise)', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 3, maxLength: 20 }), (pts) => {
        const hull = convexHull(pts);
        fc.pre(hull.length >= 3);
        const n = hull.length;
        for (let i = 0; i < n; i++)
          expect(cross(hull[i]!, hull[(i + 1) % n]!, hull[(i + 2) % n]!)).toBeGreaterThan(0);
        for (const p of pts) {
          for (let i = 0; i < n; i++)
            expect(cross(hull[i]!, hull[(i + 1) % n]!, p)).toBeGreaterThanOrEqual(-1e-9);
        }
        // every vertex is an input point
        for (const v of hull) expect(pts.some((p) => p[0] === v[0] && p[1] === v[1])).toBe(true);
      }),
    );
  });

  it('convexHullXY is the same hull on flat x,y pairs', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 0, maxLength: 20 }), (pts) => {
        expect(Array.from(convexHullXY(pts.flat()))).toEqual(convexHull(pts).flat());
      }),
    );
  });

  it('small and degenerate inputs: sorted points back, collinear points give their two ends', () => {
    expect(convexHull([])).toEqual([]);
    expect(convexHull([[3, 1]])).toEqual([[3, 1]]);
    expect(
      convexHull([
        [3, 1],
        [1, 2],
      ]),
    ).toEqual([
      [1, 2],
      [3, 1],
    ]);
    expect(
      convexHull([
        [0, 0],
        [2, 2],
        [1, 1],
        [3, 3],
      ]),
    ).toEqual([
      [0, 0],
      [3, 3],
    ]);
    const square: Point[] = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
      [0.5, 0.5],
      [0.5, 0],
    ];
    expect(convexHull(square)).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(polygonArea(convexHull(square))).toBe(1);
    expect(insideConvex(convexHull(square), [0.5, 0.5])).toBe(true);
    expect(insideConvex(convexHull(square), [1.5, 0.5])).toBe(false);
  });
});
