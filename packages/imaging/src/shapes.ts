/** Polygons of shapes as flat x,y pairs, the input of `fillPolygon`. */

/** Vertices of an ellipse as a polygon (x,y pairs). */
export function ellipsePolygon(
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  angle = 0,
  segments = 32,
): Float64Array {
  const out = new Float64Array(2 * segments);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  for (let k = 0; k < segments; k++) {
    const t = (2 * Math.PI * k) / segments;
    const ex = rx * Math.cos(t);
    const ey = ry * Math.sin(t);
    out[2 * k] = cx + c * ex - s * ey;
    out[2 * k + 1] = cy + s * ex + c * ey;
  }
  return out;
}

/** A band of half-width `halfWidth` along an open polyline, as a polygon (for brows, lid lines, creases). */
export function strokePolygon(
  pts: ArrayLike<number>,
  halfWidth: number | ((t: number) => number),
): Float64Array {
  const n = pts.length >> 1;
  const out = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - 1);
    const b = Math.min(n - 1, i + 1);
    let tx = pts[2 * b]! - pts[2 * a]!;
    let ty = pts[2 * b + 1]! - pts[2 * a + 1]!;
    const len = Math.hypot(tx, ty) || 1;
    tx /= len;
    ty /= len;
    const hw = typeof halfWidth === 'number' ? halfWidth : halfWidth(n === 1 ? 0 : i / (n - 1));
    out[2 * i] = pts[2 * i]! - ty * hw;
    out[2 * i + 1] = pts[2 * i + 1]! + tx * hw;
    const k = 2 * n - 1 - i;
    out[2 * k] = pts[2 * i]! + ty * hw;
    out[2 * k + 1] = pts[2 * i + 1]! - tx * hw;
  }
  return out;
}

/** Scales a polygon (x,y pairs) about its vertex centroid by `factor`. */
export function dilatePolygon(poly: ArrayLike<number>, factor: number): Float64Array {
  const n = poly.length >> 1;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += poly[2 * i]!;
    cy += poly[2 * i + 1]!;
  }
  cx /= n;
  cy /= n;
  const out = new Float64Array(poly.length);
  for (let i = 0; i < n; i++) {
    out[2 * i] = cx + (poly[2 * i]! - cx) * factor;
    out[2 * i + 1] = cy + (poly[2 * i + 1]! - cy) * factor;
  }
  return out;
}
