/**
 * A small antialiased rasteriser on typed arrays. Pixel (i, j) covers [i, i+1] × [j, j+1] (pixel-corner
 * coordinates). Polygons get exact horizontal coverage on four sub-scanlines per row, which is enough for smooth
 * edges at 64-128 px and costs O(rows × edges).
 */

/** A float RGB image, interleaved, values in 0..255 (may leave the range until quantised). */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** A new canvas filled with zeros. */
export function createCanvas(width: number, height: number): Canvas {
  return { width, height, data: new Float32Array(width * height * 3) };
}

/** A copy of a canvas. */
export function cloneCanvas(c: Canvas): Canvas {
  return { width: c.width, height: c.height, data: new Float32Array(c.data) };
}

/** Coverage buffer with the bounding box of what was last written. */
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

/** Per-pixel colour source: writes RGB for pixel (x, y) into out[0..2]. */
export type Shader = (x: number, y: number, out: Float32Array) => void;

const shaded = new Float32Array(3);

/**
 * Composites a colour over the canvas through the coverage, with opacity `alpha`. `labels`, when given, takes
 * `label` wherever the layer covers at least `labelAt` of the pixel (default half; thin features such as a
 * closing eye use less so that they stay in the label map).
 */
export function composite(
  canvas: Canvas,
  cov: Coverage,
  shader: Shader | readonly [number, number, number],
  alpha = 1,
  labels?: Uint8Array,
  label = 0,
  labelAt = 0.5,
): void {
  const W = canvas.width;
  const d = canvas.data;
  const c = cov.data;
  const flat = typeof shader === 'function' ? null : shader;
  for (let y = cov.y0; y < cov.y1; y++) {
    for (let x = cov.x0; x < cov.x1; x++) {
      const i = y * W + x;
      const a = Math.min(1, c[i]!) * alpha;
      if (a <= 0) continue;
      let r: number;
      let g: number;
      let b: number;
      if (flat) {
        r = flat[0];
        g = flat[1];
        b = flat[2];
      } else {
        (shader as Shader)(x + 0.5, y + 0.5, shaded);
        r = shaded[0]!;
        g = shaded[1]!;
        b = shaded[2]!;
      }
      const o = 3 * i;
      d[o] = d[o]! + (r - d[o]!) * a;
      d[o + 1] = d[o + 1]! + (g - d[o + 1]!) * a;
      d[o + 2] = d[o + 2]! + (b - d[o + 2]!) * a;
      if (labels && c[i]! >= labelAt) labels[i] = label;
    }
  }
}

/** Copies the coverage into a full-frame float mask (values 0..1), combining with `max`. */
export function accumulateMask(mask: Float32Array, cov: Coverage, gain = 1): void {
  const W = cov.width;
  for (let y = cov.y0; y < cov.y1; y++) {
    for (let x = cov.x0; x < cov.x1; x++) {
      const i = y * W + x;
      const v = Math.min(1, cov.data[i]! * gain);
      if (v > mask[i]!) mask[i] = v;
    }
  }
}

function gaussianKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp((-i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    s += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / s;
  return k;
}

/**
 * Separable Gaussian blur of an interleaved buffer with `channels` channels, edges clamped. Returns a new buffer.
 * Kernels here are a few taps (σ ≤ 4 px at these sizes), so direct separable convolution over an edge-padded line
 * is cheap and branch-free.
 */
export function gaussianBlur(
  src: Float32Array,
  width: number,
  height: number,
  channels: number,
  sigma: number,
): Float32Array {
  if (!(sigma > 0.05)) return new Float32Array(src);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const taps = k.length;
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const line = new Float32Array((Math.max(width, height) + 2 * r) * channels);
  const pass = (
    from: Float32Array,
    to: Float32Array,
    n: number,
    lines: number,
    along: number,
    across: number,
  ): void => {
    for (let l = 0; l < lines; l++) {
      const base = l * across;
      // Edge-padded copy of the line.
      for (let i = -r; i < n + r; i++) {
        const j = i < 0 ? 0 : i >= n ? n - 1 : i;
        const o = base + j * along;
        for (let ch = 0; ch < channels; ch++) line[(i + r) * channels + ch] = from[o + ch]!;
      }
      if (channels === 3) {
        for (let i = 0; i < n; i++) {
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          for (let t = 0, q = 3 * i; t < taps; t++, q += 3) {
            const kt = k[t]!;
            s0 += kt * line[q]!;
            s1 += kt * line[q + 1]!;
            s2 += kt * line[q + 2]!;
          }
          const o = base + i * along;
          to[o] = s0;
          to[o + 1] = s1;
          to[o + 2] = s2;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const o = base + i * along;
          for (let ch = 0; ch < channels; ch++) {
            let s = 0;
            let q = i * channels + ch;
            for (let t = 0; t < taps; t++, q += channels) s += k[t]! * line[q]!;
            to[o + ch] = s;
          }
        }
      }
    }
  };
  pass(src, tmp, width, height, channels, width * channels);
  pass(tmp, out, height, width, width * channels, channels);
  return out;
}

/**
 * Smooth value noise in [-1, 1]: bilinear-interpolated random lattice with smoothstep, from a table of
 * `table.length` values (a power of two) addressed by hashed lattice coordinates.
 */
export function valueNoise(table: Float32Array, x: number, y: number): number {
  const mask = table.length - 1;
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const fx = x - xi;
  const fy = y - yi;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const h = (a: number, b: number): number => {
    let v = Math.imul(a, 374761393) ^ Math.imul(b, 668265263);
    v = Math.imul(v ^ (v >>> 13), 1274126177);
    return table[(v ^ (v >>> 16)) & mask]!;
  };
  const v00 = h(xi, yi);
  const v10 = h(xi + 1, yi);
  const v01 = h(xi, yi + 1);
  const v11 = h(xi + 1, yi + 1);
  return v00 + (v10 - v00) * sx + (v01 - v00) * sy + (v00 - v10 - v01 + v11) * sx * sy;
}

/** Quantises a float canvas to 8-bit RGB (round half to even, clamped). */
export function toUint8(c: Canvas): Uint8Array {
  // Uint8ClampedArray conversion clamps and rounds half to even, natively and deterministically.
  const clamped = new Uint8ClampedArray(c.data);
  return new Uint8Array(clamped.buffer, clamped.byteOffset, clamped.length);
}
