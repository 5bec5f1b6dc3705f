import type { Point } from './types.js';

/** `(a - o) × (b - o)`: positive when `o → a → b` turns counter-clockwise (in x-right, y-up terms). */
export function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/**
 * Convex hull by Andrew's monotone chain, O(n log n). Returns the hull vertices with positive orientation
 * (every consecutive triple has `cross > 0`), without repeating the first vertex; collinear points on edges are
 * dropped. Fewer than three vertices come back when the points are collinear (a zero-area hull).
 */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (pts.length < 3) return pts;
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0)
      lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0)
      upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/** Signed area of a polygon (shoelace); positive for the orientation {@link convexHull} returns. */
export function polygonArea(poly: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    s += a[0] * b[1] - a[1] * b[0];
  }
  return s / 2;
}

/** Whether `p` lies in the closed convex polygon `hull` (as returned by {@link convexHull}). */
export function insideConvex(hull: readonly Point[], p: Point): boolean {
  if (hull.length < 3) return false;
  for (let i = 0; i < hull.length; i++) {
    if (cross(hull[i]!, hull[(i + 1) % hull.length]!, p) < 0) return false;
  }
  return true;
}

/**
 * Rasterises a closed convex polygon into `out` (row-major, `width × height`), writing `value` into every pixel
 * whose centre `(i + 0.5, j + 0.5)` lies inside or on the polygon. The scanline span is found in floating point
 * and its two ends are then settled with the exact half-plane test, so the result agrees with
 * {@link insideConvex} pixel for pixel. Zero-area hulls write nothing.
 */
export function fillConvex(
  hull: readonly Point[],
  out: Float32Array | Uint8Array,
  width: number,
  height: number,
  value = 1,
): void {
  if (hull.length < 3 || polygonArea(hull) <= 0) return;
  let ymin = Number.POSITIVE_INFINITY;
  let ymax = Number.NEGATIVE_INFINITY;
  for (const p of hull) {
    ymin = Math.min(ymin, p[1]);
    ymax = Math.max(ymax, p[1]);
  }
  const j0 = Math.max(0, Math.ceil(ymin - 0.5));
  const j1 = Math.min(height - 1, Math.floor(ymax - 0.5));
  const n = hull.length;
  for (let j = j0; j <= j1; j++) {
    const yc = j + 0.5;
    let xl = Number.POSITIVE_INFINITY;
    let xr = Number.NEGATIVE_INFINITY;
    for (let e = 0; e < n; e++) {
      const a = hull[e]!;
      const b = hull[(e + 1) % n]!;
      const lo = Math.min(a[1], b[1]);
      const hi = Math.max(a[1], b[1]);
      if (yc < lo || yc > hi) continue;
      if (a[1] === b[1]) {
        xl = Math.min(xl, a[0], b[0]);
        xr = Math.max(xr, a[0], b[0]);
      } else {
        const x = a[0] + ((yc - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
        xl = Math.min(xl, x);
        xr = Math.max(xr, x);
      }
    }
    if (!(xl <= xr)) continue;
    let i0 = Math.max(0, Math.ceil(xl - 0.5));
    let i1 = Math.min(width - 1, Math.floor(xr - 0.5));
    // Settle the rounding at both ends with the exact predicate (one step at most in practice).
    while (i0 > 0 && insideConvex(hull, [i0 - 0.5, yc])) i0--;
    while (i0 <= i1 && !insideConvex(hull, [i0 + 0.5, yc])) i0++;
    while (i1 < width - 1 && insideConvex(hull, [i1 + 1.5, yc])) i1++;
    while (i1 >= i0 && !insideConvex(hull, [i1 + 0.5, yc])) i1--;
    const row = j * width;
    for (let i = i0; i <= i1; i++) out[row + i] = value;
  }
}
