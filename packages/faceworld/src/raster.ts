/**
 * Painting on float RGB canvases: compositing a rasterised coverage (`fillPolygon` of `@cs-dfd/imaging`) with a
 * colour or shader, value noise, quantisation. Pixel (i, j) covers [i, i+1] × [j, j+1].
 */
import type { Coverage } from '@cs-dfd/imaging';

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
