import { approxGaussianBlur } from '@cs-dfd/imaging';
import type { Rng } from '@cs-dfd/rng';
import type { Mask, Point, RgbImage } from './types.js';

/**
 * A 2-D affine map `[a, b, c, d, e, f]`: `x' = a·x + b·y + c`, `y' = d·x + e·y + f`, in continuous pixel
 * coordinates (pixel `(i, j)` has its centre at `(i + 0.5, j + 0.5)`).
 */
export type Affine = readonly [number, number, number, number, number, number];

/** Applies an affine map to a point. */
export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

/** Inverse of an affine map (throws on a singular one). */
export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError('invertAffine: singular map');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** Scale by `s` about `(cx, cy)`, then translate by `(tx, ty)`. */
export function scaleTranslate(s: number, cx: number, cy: number, tx: number, ty: number): Affine {
  return [s, 0, cx - s * cx + tx, 0, s, cy - s * cy + ty];
}

/**
 * Bilinear sample of an RGB image at continuous index coordinates `(sx, sy)` (pixel centres at integers), clamped
 * to the image (replicate border), rounded into `out[o..o+2]`.
 */
export function sampleRgb(
  src: Uint8Array | Uint8ClampedArray,
  w: number,
  h: number,
  sx: number,
  sy: number,
  out: Uint8Array,
  o: number,
): void {
  const x = sx < 0 ? 0 : Math.min(sx, w - 1);
  const y = sy < 0 ? 0 : Math.min(sy, h - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = x0 < w - 1 ? x0 + 1 : x0;
  const y1 = y0 < h - 1 ? y0 + 1 : y0;
  const fx = x - x0;
  const fy = y - y0;
  const p00 = (y0 * w + x0) * 3;
  const p01 = (y0 * w + x1) * 3;
  const p10 = (y1 * w + x0) * 3;
  const p11 = (y1 * w + x1) * 3;
  for (let ch = 0; ch < 3; ch++) {
    const top = src[p00 + ch]! + fx * (src[p01 + ch]! - src[p00 + ch]!);
    const bot = src[p10 + ch]! + fx * (src[p11 + ch]! - src[p10 + ch]!);
    out[o + ch] = Math.round(top + fy * (bot - top));
  }
}

/**
 * Warps an RGB image by `forward` (source → destination) with bilinear sampling; destination pixels whose
 * pre-image falls outside the source take the nearest edge pixel (replicate border).
 */
export function warpRgb(image: RgbImage, forward: Affine): RgbImage {
  const { width: w, height: h, data: src } = image;
  const out = new Uint8Array(w * h * 3);
  const [a, b, c, d, e, f] = invertAffine(forward);
  for (let j = 0; j < h; j++) {
    const yc = j + 0.5;
    for (let i = 0; i < w; i++) {
      const xc = i + 0.5;
      sampleRgb(src, w, h, a * xc + b * yc + c - 0.5, d * xc + e * yc + f - 0.5, out, (j * w + i) * 3);
    }
  }
  return { width: w, height: h, data: out };
}

/** Bilinear sample of a mask at continuous index coordinates, 0 outside `[0, w-1] × [0, h-1]` widened by one pixel. */
function sampleMask(m: Float32Array, w: number, h: number, sx: number, sy: number): number {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) return 0;
  const fx = sx - x0;
  const fy = sy - y0;
  const v00 = x0 >= 0 && y0 >= 0 ? m[y0 * w + x0]! : 0;
  const v01 = x0 + 1 < w && y0 >= 0 ? m[y0 * w + x0 + 1]! : 0;
  const v10 = x0 >= 0 && y0 + 1 < h ? m[(y0 + 1) * w + x0]! : 0;
  const v11 = x0 + 1 < w && y0 + 1 < h ? m[(y0 + 1) * w + x0 + 1]! : 0;
  const top = v00 + fx * (v01 - v00);
  const bot = v10 + fx * (v11 - v10);
  return top + fy * (bot - top);
}

/** Warps a mask by `forward` with bilinear sampling; outside the source the mask is 0. */
export function warpMask(mask: Mask, forward: Affine): Mask {
  return warpMaskElastic(mask, forward, null);
}

/**
 * A smooth displacement field in pixels, stored on a coarse grid: node `(u, v)` sits at pixel `(u·step, v·step)`
 * and the displacement of pixel `(i, j)` is the bilinear interpolation of the nodes at `(i / step, j / step)`.
 */
export interface DisplacementField {
  readonly width: number;
  readonly height: number;
  readonly step: number;
  /** Node columns and rows: `ceil((width - 1) / step) + 1` and the same for height. */
  readonly cols: number;
  readonly rows: number;
  readonly dx: Float32Array;
  readonly dy: Float32Array;
  /** The largest `|dx|` or `|dy|` (interpolation never exceeds the nodes). */
  readonly maxAbs: number;
}

/**
 * The elastic-deformation field of Simard et al. (2003): per pixel and axis uniform noise in [-1, 1], smoothed by a
 * Gaussian of `sigma` pixels, times `alpha`. Drawn on a grid `step = max(1, floor(sigma / 2))` times coarser: each
 * node carries the mean of the `step²` pixels it stands for (uniform noise scaled by `1 / step`, the same
 * variance), it is smoothed by `sqrt(sigma² − step²/6) / step` nodes (the bilinear interpolation adds the
 * variance `step²/6` of its tent), and interpolated back. The smoothed field has no energy left near the coarse
 * grid's Nyquist frequency (`exp(−(π·sigma/step)²)` < 1e-20 for `step ≤ sigma/2`), so this matches the full-size
 * field in distribution at `1/step²` of the random draws and blur work. The blur is {@link approxGaussianBlur}.
 */
export function elasticField(
  width: number,
  height: number,
  rng: Rng,
  alpha = 50,
  sigma = 7,
): DisplacementField {
  const step = Math.max(1, Math.floor(sigma / 2));
  const cols = Math.ceil((width - 1) / step) + 1;
  const rows = Math.ceil((height - 1) / step) + 1;
  const n = cols * rows;
  const rx = new Float32Array(n);
  const ry = new Float32Array(n);
  const amp = 1 / step;
  for (let i = 0; i < n; i++) rx[i] = amp * (2 * rng.next() - 1);
  for (let i = 0; i < n; i++) ry[i] = amp * (2 * rng.next() - 1);
  const sc = Math.sqrt(Math.max(0, sigma * sigma - (step * step) / 6)) / step;
  const dx = approxGaussianBlur(rx, cols, rows, sc);
  const dy = approxGaussianBlur(ry, cols, rows, sc);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    dx[i]! *= alpha;
    dy[i]! *= alpha;
    maxAbs = Math.max(maxAbs, Math.abs(dx[i]!), Math.abs(dy[i]!));
  }
  return { width, height, step, cols, rows, dx, dy, maxAbs };
}

/** The displacement of pixel `(i, j)`, written into `out[0..1]`. */
export function displacementAt(f: DisplacementField, i: number, j: number, out: Float64Array): void {
  const u = i / f.step;
  const v = j / f.step;
  const u0 = Math.min(Math.floor(u), Math.max(f.cols - 2, 0));
  const v0 = Math.min(Math.floor(v), Math.max(f.rows - 2, 0));
  const u1 = Math.min(u0 + 1, f.cols - 1);
  const v1 = Math.min(v0 + 1, f.rows - 1);
  const a = u - u0;
  const b = v - v0;
  const k00 = v0 * f.cols + u0;
  const k01 = v0 * f.cols + u1;
  const k10 = v1 * f.cols + u0;
  const k11 = v1 * f.cols + u1;
  const tx = f.dx[k00]! + a * (f.dx[k01]! - f.dx[k00]!);
  const bx = f.dx[k10]! + a * (f.dx[k11]! - f.dx[k10]!);
  const ty = f.dy[k00]! + a * (f.dy[k01]! - f.dy[k00]!);
  const by = f.dy[k10]! + a * (f.dy[k11]! - f.dy[k10]!);
  out[0] = tx + b * (bx - tx);
  out[1] = ty + b * (by - ty);
}

/** Bounding box `[i0, j0, i1, j1]` (inclusive) of the non-zero pixels, or `null` for an all-zero mask. */
export function maskBounds(mask: Mask): [number, number, number, number] | null {
  const { width: w, height: h, data } = mask;
  let i0 = w;
  let j0 = h;
  let i1 = -1;
  let j1 = -1;
  for (let j = 0; j < h; j++) {
    const row = j * w;
    let first = -1;
    for (let i = 0; i < w; i++) {
      if (data[row + i] !== 0) {
        first = i;
        break;
      }
    }
    if (first < 0) continue;
    let last = w - 1;
    while (data[row + last] === 0) last--;
    if (first < i0) i0 = first;
    if (last > i1) i1 = last;
    if (j < j0) j0 = j;
    j1 = j;
  }
  return i1 < 0 ? null : [i0, j0, i1, j1];
}

/**
 * `out(p) = mask(A⁻¹(p + d(p)))`: the affine `forward` followed by the elastic `field`, sampled once (bilinear, 0
 * outside the image) instead of twice, so the mask is interpolated, and softened, only once. Only pixels that
 * can reach the mask's bounding box are visited.
 */
export function warpMaskElastic(mask: Mask, forward: Affine, field: DisplacementField | null): Mask {
  const { width: w, height: h, data } = mask;
  const out = new Float32Array(w * h);
  const box = maskBounds(mask);
  if (!box) return { width: w, height: h, data: out };
  const [a, b, c, d, e, f] = invertAffine(forward);
  // Destination region: the forward image of the box (pixel edges, one pixel of bilinear reach) plus the field's reach.
  const reach = (field ? field.maxAbs : 0) + 2;
  let xmin = Number.POSITIVE_INFINITY;
  let xmax = Number.NEGATIVE_INFINITY;
  let ymin = Number.POSITIVE_INFINITY;
  let ymax = Number.NEGATIVE_INFINITY;
  for (const [x, y] of [
    [box[0] - 1, box[1] - 1],
    [box[2] + 2, box[1] - 1],
    [box[0] - 1, box[3] + 2],
    [box[2] + 2, box[3] + 2],
  ] as const) {
    const p = applyAffine(forward, [x, y]);
    xmin = Math.min(xmin, p[0]);
    xmax = Math.max(xmax, p[0]);
    ymin = Math.min(ymin, p[1]);
    ymax = Math.max(ymax, p[1]);
  }
  const i0 = Math.max(0, Math.floor(xmin - reach));
  const i1 = Math.min(w - 1, Math.ceil(xmax + reach));
  const j0 = Math.max(0, Math.floor(ymin - reach));
  const j1 = Math.min(h - 1, Math.ceil(ymax + reach));
  if (!field) {
    for (let j = j0; j <= j1; j++) {
      const yc = j + 0.5;
      for (let i = i0; i <= i1; i++) {
        const xc = i + 0.5;
        out[j * w + i] = sampleMask(data, w, h, a * xc + b * yc + c - 0.5, d * xc + e * yc + f - 0.5);
      }
    }
    return { width: w, height: h, data: out };
  }
  // displacementAt, inlined with its row terms hoisted (same arithmetic, so the same values).
  const { step, cols, rows, dx, dy } = field;
  const colU0 = new Int32Array(i1 - i0 + 1);
  const colU1 = new Int32Array(i1 - i0 + 1);
  const colA = new Float64Array(i1 - i0 + 1);
  for (let i = i0; i <= i1; i++) {
    const u = i / step;
    const u0 = Math.min(Math.floor(u), Math.max(cols - 2, 0));
    colU0[i - i0] = u0;
    colU1[i - i0] = Math.min(u0 + 1, cols - 1);
    colA[i - i0] = u - u0;
  }
  for (let j = j0; j <= j1; j++) {
    const v = j / step;
    const v0 = Math.min(Math.floor(v), Math.max(rows - 2, 0));
    const v1 = Math.min(v0 + 1, rows - 1);
    const bv = v - v0;
    const r0 = v0 * cols;
    const r1 = v1 * cols;
    for (let i = i0; i <= i1; i++) {
      const u0 = colU0[i - i0]!;
      const u1 = colU1[i - i0]!;
      const au = colA[i - i0]!;
      const tx = dx[r0 + u0]! + au * (dx[r0 + u1]! - dx[r0 + u0]!);
      const bx = dx[r1 + u0]! + au * (dx[r1 + u1]! - dx[r1 + u0]!);
      const ty = dy[r0 + u0]! + au * (dy[r0 + u1]! - dy[r0 + u0]!);
      const by = dy[r1 + u0]! + au * (dy[r1 + u1]! - dy[r1 + u0]!);
      const xc = i + 0.5 + (tx + bv * (bx - tx));
      const yc = j + 0.5 + (ty + bv * (by - ty));
      out[j * w + i] = sampleMask(data, w, h, a * xc + b * yc + c - 0.5, d * xc + e * yc + f - 0.5);
    }
  }
  return { width: w, height: h, data: out };
}

/** `out(p) = mask(p + d(p))`, bilinear, 0 outside the image (the elastic step alone). */
export function remapMask(mask: Mask, field: DisplacementField): Mask {
  return warpMaskElastic(mask, [1, 0, 0, 0, 1, 0], field);
}
