/** A 2-D point `[x, y]`. */
export type Point = readonly [number, number];

/** `(a − o) × (b − o)`: positive when `o → a → b` turns counter-clockwise (in x-right, y-up terms). */
export function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/**
 * Convex hull by Andrew's monotone chain, O(n log n). Returns the hull vertices with positive orientation
 * (every consecutive triple has `cross > 0`), starting at the lowest-x (then lowest-y) point, without repeating
 * the first vertex; collinear points on edges are dropped. Fewer than three points come back sorted; collinear
 * points give their two ends (a zero-area hull).
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

/** {@link convexHull} of points given as flat `x, y` pairs, returned as flat pairs. */
export function convexHullXY(xy: ArrayLike<number>): Float64Array {
  const points: Point[] = [];
  for (let i = 0; i + 1 < xy.length; i += 2) points.push([xy[i]!, xy[i + 1]!]);
  return Float64Array.from(convexHull(points).flat());
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
