/**
 * Two polygon rasterisers on typed arrays, for two jobs. {@link fillPolygon}: antialiased coverage of any closed
 * polygon (even-odd rule) for drawing, pixel (i, j) covering [i, i+1] × [j, j+1]; polygons get exact horizontal
 * coverage on four sub-scanlines per row, enough for smooth edges at 64-128 px at O(rows × edges).
 * {@link fillConvex}: a binary mask of a convex polygon, a pixel set iff its centre (i + 0.5, j + 0.5) is inside
 * or on it, exactly (for masks that must agree with a point-in-polygon test).
 */
import { insideConvex, type Point, polygonArea } from './hull.js';

/** Coverage buffer (one value per pixel, row-major) with the bounding box of what was last written. */
export interface Coverage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A coverage buffer of the given size. */
export function createCoverage(width: number, height: number): Coverage {
  return { width, height, data: new Float32Array(width * height), x0: 0, y0: 0, x1: 0, y1: 0 };
}

const SUB = 4;
const crossings = new Float64Array(256);

/** Zeroes the buffer's last bounding box. */
function clearCoverage(cov: Coverage): void {
  for (let y = cov.y0; y < cov.y1; y++) cov.data.fill(0, y * cov.width + cov.x0, y * cov.width + cov.x1);
  cov.x0 = cov.y0 = cov.x1 = cov.y1 = 0;
}

/**
 * Rasterises a closed polygon (x,y pairs) into `cov` with antialiasing, even-odd rule. Previous content is
 * cleared. Returns `cov` with its bounding box set.
 */
export function fillPolygon(cov: Coverage, pts: ArrayLike<number>): Coverage {
  clearCoverage(cov);
  const n = pts.length >> 1;
  if (n < 3) return cov;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = pts[2 * i]!;
    const y = pts[2 * i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const W = cov.width;
  const H = cov.height;
  const yStart = Math.max(0, Math.floor(minY));
  const yEnd = Math.min(H, Math.ceil(maxY));
  const xLo = Math.max(0, Math.floor(minX));
  const xHi = Math.min(W, Math.ceil(maxX));
  if (yStart >= yEnd || xLo >= xHi) return cov;
  cov.x0 = xLo;
  cov.x1 = xHi;
  cov.y0 = yStart;
  cov.y1 = yEnd;
  const data = cov.data;
  const w = 1 / SUB;
  for (let py = yStart; py < yEnd; py++) {
    const row = py * W;
    for (let s = 0; s < SUB; s++) {
      const sy = py + (s + 0.5) * w;
      let m = 0;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const yi = pts[2 * i + 1]!;
        const yj = pts[2 * j + 1]!;
        if (yi > sy !== yj > sy) {
          const xi = pts[2 * i]!;
          const xj = pts[2 * j]!;
          if (m < crossings.length) crossings[m++] = xi + ((sy - yi) / (yj - yi)) * (xj - xi);
        }
      }
      // Insertion sort: a face polygon crosses a scanline a handful of times.
      for (let a = 1; a < m; a++) {
        const v = crossings[a]!;
        let b = a - 1;
        while (b >= 0 && crossings[b]! > v) {
          crossings[b + 1] = crossings[b]!;
          b--;
        }
        crossings[b + 1] = v;
      }
      for (let k = 0; k + 1 < m; k += 2) {
        const xa = Math.max(xLo, crossings[k]!);
        const xb = Math.min(xHi, crossings[k + 1]!);
        if (xb <= xa) continue;
        const ia = Math.floor(xa);
        const ib = Math.floor(xb);
        if (ia === ib) {
          data[row + ia]! += (xb - xa) * w;
          continue;
        }
        data[row + ia]! += (ia + 1 - xa) * w;
        for (let x = ia + 1; x < ib; x++) data[row + x]! += w;
        if (ib < xHi) data[row + ib]! += (xb - ib) * w;
      }
    }
  }
  return cov;
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
