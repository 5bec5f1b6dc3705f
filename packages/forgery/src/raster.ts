/**
 * Internal pixel loops shared by the public filters and by SBI's region-restricted source transform. Each works
 * on an inclusive rectangle `[x0, x1] × [y0, y1]` of a full-size image, so that SBI can compute only the pixels
 * the blend reads, and the public whole-image functions are the same loops over the whole rectangle (one
 * implementation, so the restricted path cannot drift from the tested one). Not re-exported by the index.
 */
import { reflect101 } from '@cs-dfd/imaging';

/** A rectangle of pixels `[x0, y0, x1, y1]`, inclusive. */
export type Rect = readonly [number, number, number, number];

/** Rounds to the nearest byte, clipping to [0, 255]. */
export const clampByte = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Per destination index: left source index, right source index, weight of the right one (half-pixel centres). */
export function linearTaps(srcN: number, dstN: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(dstN);
  const i1 = new Int32Array(dstN);
  const f = new Float32Array(dstN);
  const scale = srcN / dstN;
  for (let d = 0; d < dstN; d++) {
    const s = (d + 0.5) * scale - 0.5;
    let a = Math.floor(s);
    let w = s - a;
    if (a < 0) {
      a = 0;
      w = 0;
    }
    if (a >= srcN - 1) {
      a = srcN - 1;
      w = 0;
    }
    i0[d] = a;
    i1[d] = Math.min(a + 1, srcN - 1);
    f[d] = w;
  }
  return { i0, i1, f };
}

/**
 * Hexcone HSV shift of one pixel `(r, g, b)` into `out[o..o+2]`: hue by `hue` degrees (cyclic), saturation by
 * `ds` (on 0..1) and value by `value` (on 0..255), both clipped.
 */
export function hsvPixel(
  r: number,
  g: number,
  b: number,
  hue: number,
  ds: number,
  value: number,
  out: Uint8Array,
  o: number,
): void {
  const max = r > g ? Math.max(r, b) : Math.max(g, b);
  const min = r < g ? Math.min(r, b) : Math.min(g, b);
  const c = max - min;
  let h = 0;
  if (c > 0) {
    if (max === r) h = (g - b) / c;
    else if (max === g) h = (b - r) / c + 2;
    else h = (r - g) / c + 4;
  }
  // `%` on doubles is a libm fmod call; in the ranges that occur, subtracting the period is the same exact value
  // (Sterbenz: x − y is exact for y/2 ≤ x ≤ 2y), and fmod of |x| < period is x itself.
  h = h * 60 + hue;
  h = h < 360 && h > -360 ? h : h >= 360 && h < 720 ? h - 360 : h % 360;
  if (h < 0) h += 360;
  let s = max === 0 ? 0 : c / max + ds;
  s = s < 0 ? 0 : Math.min(s, 1);
  let v = max + value;
  v = v < 0 ? 0 : Math.min(v, 255);
  const cc = v * s;
  const hp = h / 60;
  const hm = hp < 2 ? hp : hp < 4 ? hp - 2 : hp < 6 ? hp - 4 : hp % 2;
  const x = cc * (1 - Math.abs(hm - 1));
  const m = v - cc;
  let rr = cc;
  let gg = 0;
  let bb = x;
  if (hp < 1) {
    gg = x;
    bb = 0;
  } else if (hp < 2) {
    rr = x;
    gg = cc;
    bb = 0;
  } else if (hp < 3) {
    rr = 0;
    gg = cc;
  } else if (hp < 4) {
    rr = 0;
    gg = x;
    bb = cc;
  } else if (hp < 5) {
    rr = x;
    bb = cc;
  }
  out[o] = clampByte(rr + m);
  out[o + 1] = clampByte(gg + m);
  out[o + 2] = clampByte(bb + m);
}

/**
 * Per-pixel colour map: channel LUTs, then an optional HSV shift, then channel LUTs. Either LUT triple may be
 * null (identity). Applied to the pixels `(x, y)` of `rect` with `x ≡ x0`, `y ≡ y0 (mod step)`.
 */
export interface ColourMap {
  readonly pre: readonly [Uint8Array, Uint8Array, Uint8Array] | null;
  /** `[hue degrees, saturation on 0..1, value on 0..255]`. */
  readonly hsv: readonly [number, number, number] | null;
  readonly post: readonly [Uint8Array, Uint8Array, Uint8Array] | null;
}

/** Writes `map(src)` into `dst` on the pixels of `rect` (every `step`-th column and row from its corner). */
export function colourRect(
  src: Uint8Array | Uint8ClampedArray,
  width: number,
  rect: Rect,
  step: number,
  map: ColourMap,
  dst: Uint8Array,
): void {
  const [x0, y0, x1, y1] = rect;
  const { pre, hsv, post } = map;
  if (!hsv) {
    // Two LUTs compose into one per channel.
    const id = (lut: Uint8Array | undefined, v: number) => (lut ? lut[v]! : v);
    const l = [0, 1, 2].map((c) =>
      Uint8Array.from({ length: 256 }, (_, v) => id(post?.[c], id(pre?.[c], v))),
    );
    const [lr, lg, lb] = l as [Uint8Array, Uint8Array, Uint8Array];
    for (let y = y0; y <= y1; y += step) {
      for (let x = x0; x <= x1; x += step) {
        const k = (y * width + x) * 3;
        dst[k] = lr[src[k]!]!;
        dst[k + 1] = lg[src[k + 1]!]!;
        dst[k + 2] = lb[src[k + 2]!]!;
      }
    }
    return;
  }
  const [hue, ds, value] = hsv;
  for (let y = y0; y <= y1; y += step) {
    for (let x = x0; x <= x1; x += step) {
      const k = (y * width + x) * 3;
      let r = src[k]!;
      let g = src[k + 1]!;
      let b = src[k + 2]!;
      if (pre) {
        r = pre[0][r]!;
        g = pre[1][g]!;
        b = pre[2][b]!;
      }
      hsvPixel(r, g, b, hue, ds, value, dst, k);
      if (post) {
        dst[k] = post[0][dst[k]!]!;
        dst[k + 1] = post[1][dst[k + 1]!]!;
        dst[k + 2] = post[2][dst[k + 2]!]!;
      }
    }
  }
}

/**
 * 3×3 sharpen `(1 − alpha)·identity + alpha·E` (E: `8 + lightness` at the centre, −1 around; reflect-101
 * border) of `src` (`width × height`) on `rect`, into `dst`. Reads `rect` grown by one pixel. The neighbour sum
 * is an exact integer whether summed directly or from column sums, so this matches the textbook loop bit for bit.
 */
export function sharpenRect(
  src: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  alpha: number,
  lightness: number,
  rect: Rect,
  dst: Uint8Array,
): void {
  const [x0, y0, x1, y1] = rect;
  const centre = 1 - alpha + alpha * (8 + lightness);
  const row = width * 3;
  // Column sums over the three rows, for columns x0 - 1 .. x1 + 1 (reflected): index (x - x0 + 1) * 3 + c.
  const n = x1 - x0 + 3;
  const cols = new Int32Array(n * 3);
  const xs = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = x0 - 1 + i;
    xs[i] = (x >= 0 && x < width ? x : reflect101(x, width)) * 3;
  }
  for (let y = y0; y <= y1; y++) {
    const rm = reflect101(y - 1, height) * row;
    const r0 = y * row;
    const rp = reflect101(y + 1, height) * row;
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const o = i * 3;
      cols[o] = src[rm + x]! + src[r0 + x]! + src[rp + x]!;
      cols[o + 1] = src[rm + x + 1]! + src[r0 + x + 1]! + src[rp + x + 1]!;
      cols[o + 2] = src[rm + x + 2]! + src[r0 + x + 2]! + src[rp + x + 2]!;
    }
    for (let x = x0; x <= x1; x++) {
      const k = r0 + x * 3;
      const o = (x - x0) * 3;
      const s0 = src[k]!;
      const s1 = src[k + 1]!;
      const s2 = src[k + 2]!;
      const v0 = centre * s0 - alpha * (cols[o]! + cols[o + 3]! + cols[o + 6]! - s0);
      const v1 = centre * s1 - alpha * (cols[o + 1]! + cols[o + 4]! + cols[o + 7]! - s1);
      const v2 = centre * s2 - alpha * (cols[o + 2]! + cols[o + 5]! + cols[o + 8]! - s2);
      dst[k] = v0 < 0 ? 0 : v0 > 255 ? 255 : Math.round(v0);
      dst[k + 1] = v1 < 0 ? 0 : v1 > 255 ? 255 : Math.round(v1);
      dst[k + 2] = v2 < 0 ? 0 : v2 > 255 ? 255 : Math.round(v2);
    }
  }
}

/**
 * Bilinear resize (half-pixel centres, clamped edges, rounded to bytes) of a `sw × sh` RGB image to `dw × dh`,
 * computed on `rect` of the destination. Source pixel `(u, v)` is read at `src[((v·stride)·rowPixels + u·stride)·3]`,
 * so a nearest-neighbour downscale by `stride` of a `rowPixels`-wide image is read in place. Each source row's
 * horizontal interpolation is kept (exact float64) for the destination rows that share it.
 */
export function bilinearRgbRect(
  src: Uint8Array | Uint8ClampedArray,
  rowPixels: number,
  stride: number,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  rect: Rect,
  dst: Uint8Array,
): void {
  const [x0, y0, x1, y1] = rect;
  const tx = linearTaps(sw, dw);
  const ty = linearTaps(sh, dh);
  const n = (x1 - x0 + 1) * 3;
  const colA = new Int32Array(x1 - x0 + 1);
  const colB = new Int32Array(x1 - x0 + 1);
  for (let x = x0; x <= x1; x++) {
    colA[x - x0] = tx.i0[x]! * stride * 3;
    colB[x - x0] = tx.i1[x]! * stride * 3;
  }
  let rowsA = new Float64Array(n);
  let rowsB = new Float64Array(n);
  let keyA = -1;
  let keyB = -1;
  const horizontal = (v: number, out: Float64Array) => {
    const base = v * stride * rowPixels * 3;
    for (let x = x0; x <= x1; x++) {
      const i = x - x0;
      const p0 = base + colA[i]!;
      const p1 = base + colB[i]!;
      const fx = tx.f[x]!;
      const o = i * 3;
      out[o] = src[p0]! + fx * (src[p1]! - src[p0]!);
      out[o + 1] = src[p0 + 1]! + fx * (src[p1 + 1]! - src[p0 + 1]!);
      out[o + 2] = src[p0 + 2]! + fx * (src[p1 + 2]! - src[p0 + 2]!);
    }
  };
  for (let y = y0; y <= y1; y++) {
    const a = ty.i0[y]!;
    const b = ty.i1[y]!;
    if (a !== keyA) {
      if (a === keyB) {
        [rowsA, rowsB] = [rowsB, rowsA];
        keyB = keyA;
        keyA = a;
      } else {
        horizontal(a, rowsA);
        keyA = a;
      }
    }
    if (b !== keyB) {
      horizontal(b, rowsB);
      keyB = b;
    }
    const fy = ty.f[y]!;
    const o = (y * dw + x0) * 3;
    for (let i = 0; i < n; i++) {
      const top = rowsA[i]!;
      dst[o + i] = Math.round(top + fy * (rowsB[i]! - top));
    }
  }
}

/** LUT of `clip(v + shift)`. */
export function shiftLut(shift: number): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, v) => clampByte(v + shift));
}

/** LUT of `clip((1 + contrast)·v + brightness·255)`. */
export function gainLut(brightness: number, contrast: number): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, v) => clampByte((1 + contrast) * v + brightness * 255));
}

/**
 * Erosion of a binary (0/1) image by a `k × k` square with clipped windows: a pixel stays 1 iff its clipped
 * window holds no 0. Counting zeros with prefix sums per row, then per column, gives exactly the minimum filter
 * on 0/1 data at a cost independent of `k`.
 */
export function erodeBinary(src: Uint8Array, width: number, height: number, k: number): Uint8Array {
  const r = (k - 1) / 2;
  const tmp = new Uint8Array(width * height);
  const out = new Uint8Array(width * height);
  const zeros = new Int32Array(Math.max(width, height) + 1);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) zeros[x + 1] = zeros[x]! + (src[o + x] === 0 ? 1 : 0);
    for (let x = 0; x < width; x++) {
      const lo = Math.max(x - r, 0);
      const hi = Math.min(x + r, width - 1);
      tmp[o + x] = zeros[hi + 1]! - zeros[lo]! === 0 ? 1 : 0;
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) zeros[y + 1] = zeros[y]! + (tmp[y * width + x] === 0 ? 1 : 0);
    for (let y = 0; y < height; y++) {
      const lo = Math.max(y - r, 0);
      const hi = Math.min(y + r, height - 1);
      out[y * width + x] = zeros[hi + 1]! - zeros[lo]! === 0 ? 1 : 0;
    }
  }
  return out;
}
