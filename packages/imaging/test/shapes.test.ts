// Polygon shapes: vertices on the ellipse, stroke width, dilation about the centroid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dilatePolygon, ellipsePolygon, strokePolygon } from '../src/index.js';

describe('ellipsePolygon', () => {
  it('puts every vertex on the rotated ellipse, evenly in parameter angle', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0.5, max: 30, noNaN: true }),
        fc.double({ min: 0.5, max: 30, noNaN: true }),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.integer({ min: 3, max: 40 }),
        (cx, cy, rx, ry, angle, n) => {
          const p = ellipsePolygon(cx, cy, rx, ry, angle, n);
          expect(p.length).toBe(2 * n);
          for (let k = 0; k < n; k++) {
            // rotate back into the ellipse's frame
            const dx = p[2 * k]! - cx;
            const dy = p[2 * k + 1]! - cy;
            const ex = Math.cos(angle) * dx + Math.sin(angle) * dy;
            const ey = -Math.sin(angle) * dx + Math.cos(angle) * dy;
            expect((ex / rx) ** 2 + (ey / ry) ** 2).toBeCloseTo(1, 9);
            expect(Math.atan2(ey / ry, ex / rx)).toBeCloseTo(
              Math.atan2(Math.sin((2 * Math.PI * k) / n), Math.cos((2 * Math.PI * k) / n)),
              9,
            );
          }
        },
      ),
    );
  });
});

describe('strokePolygon', () => {
  it('offsets a straight polyline by ±halfWidth along its normal', () => {
    const p = strokePolygon([0, 0, 5, 0, 10, 0], 2);
    expect(Array.from(p)).toEqual([0, 2, 5, 2, 10, 2, 10, -2, 5, -2, 0, -2]);
    const tapered = strokePolygon([0, 0, 0, 10], (t) => 1 + t);
    expect(Array.from(tapered)).toEqual([-1, 0, -2, 10, 2, 10, 1, 0]);
  });
});

describe('dilatePolygon', () => {
  it('keeps the vertex centroid and scales every vertex distance from it', () => {
    const poly = [0, 0, 4, 0, 4, 2, 0, 2];
    expect(Array.from(dilatePolygon(poly, 1.5))).toEqual([-1, -0.5, 5, -0.5, 5, 2.5, -1, 2.5]);
  });
});
