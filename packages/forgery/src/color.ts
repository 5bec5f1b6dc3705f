import { reflect101 } from './blur.js';
import { downscaleNearest, resizeRgbBilinear } from './resize.js';
import type { RgbImage } from './types.js';

const clampByte = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

function applyLuts(image: RgbImage, luts: readonly [Uint8Array, Uint8Array, Uint8Array]): RgbImage {
  const src = image.data;
  const out = new Uint8Array(src.length);
  const [lr, lg, lb] = luts;
  for (let i = 0; i < src.length; i += 3) {
    out[i] = lr[src[i]!]!;
    out[i + 1] = lg[src[i + 1]!]!;
    out[i + 2] = lb[src[i + 2]!]!;
  }
  return { width: image.width, height: image.height, data: out };
}

/** Adds `shift[c]` to channel `c` and clips to [0, 255] (SBI draws each shift in ±20). */
export function rgbShift(image: RgbImage, shift: readonly [number, number, number]): RgbImage {
  const luts = shift.map((s) => Uint8Array.from({ length: 256 }, (_, v) => clampByte(v + s))) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  return applyLuts(image, luts);
}

/**
 * `out = clip(round((1 + contrast) · x + brightness · 255))` per channel (the `brightness_by_max` convention of
 * albumentations); SBI draws both in ±0.1.
 */
export function brightnessContrast(image: RgbImage, brightness: number, contrast: number): RgbImage {
  const lut = Uint8Array.from({ length: 256 }, (_, v) => clampByte((1 + contrast) * v + brightness * 255));
  return applyLuts(image, [lut, lut, lut]);
}

/**
 * Shifts hue by `hue` degrees (cyclic) and saturation and value by `saturation` and `value` on a 0..255 scale
 * (clipped), through the hexcone HSV model. With all three 0 the image comes back unchanged.
 */
export function hsvShift(image: RgbImage, hue: number, saturation: number, value: number): RgbImage {
  const src = image.data;
  const out = new Uint8Array(src.length);
  if (hue === 0 && saturation === 0 && value === 0) {
    out.set(src);
    return { width: image.width, height: image.height, data: out };
  }
  const ds = saturation / 255;
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    const max = r > g ? Math.max(r, b) : Math.max(g, b);
    const min = r < g ? Math.min(r, b) : Math.min(g, b);
    const c = max - min;
    let h = 0;
    if (c > 0) {
      if (max === r) h = (g - b) / c;
      else if (max === g) h = (b - r) / c + 2;
      else h = (r - g) / c + 4;
    }
    h = (h * 60 + hue) % 360;
    if (h < 0) h += 360;
    let s = max === 0 ? 0 : c / max + ds;
    s = s < 0 ? 0 : Math.min(s, 1);
    let v = max + value;
    v = v < 0 ? 0 : Math.min(v, 255);
    const cc = v * s;
    const hp = h / 60;
    const x = cc * (1 - Math.abs((hp % 2) - 1));
    const m = v - cc;
    let rr: number;
    let gg: number;
    let bb: number;
    if (hp < 1) [rr, gg, bb] = [cc, x, 0];
    else if (hp < 2) [rr, gg, bb] = [x, cc, 0];
    else if (hp < 3) [rr, gg, bb] = [0, cc, x];
    else if (hp < 4) [rr, gg, bb] = [0, x, cc];
    else if (hp < 5) [rr, gg, bb] = [x, 0, cc];
    else [rr, gg, bb] = [cc, 0, x];
    out[i] = clampByte(rr + m);
    out[i + 1] = clampByte(gg + m);
    out[i + 2] = clampByte(bb + m);
  }
  return { width: image.width, height: image.height, data: out };
}

/**
 * Sharpening with the 3×3 kernel `(1 − alpha) · identity + alpha · E`, where `E` has `8 + lightness` at the centre
 * and −1 on the eight neighbours (reflect-101 border). SBI draws alpha in [0.2, 0.5] and lightness in [0.5, 1].
 */
export function sharpen(image: RgbImage, alpha: number, lightness = 1): RgbImage {
  const { width: w, height: h, data: src } = image;
  const out = new Uint8Array(src.length);
  const centre = 1 - alpha + alpha * (8 + lightness);
  const row = w * 3;
  for (let y = 0; y < h; y++) {
    const rm = reflect101(y - 1, h) * row;
    const r0 = y * row;
    const rp = reflect101(y + 1, h) * row;
    for (let x = 0; x < w; x++) {
      const xm = (x > 0 ? x - 1 : reflect101(-1, w)) * 3;
      const x0 = x * 3;
      const xp = (x < w - 1 ? x + 1 : reflect101(w, w)) * 3;
      for (let c = 0; c < 3; c++) {
        const n =
          src[rm + xm + c]! +
          src[rm + x0 + c]! +
          src[rm + xp + c]! +
          src[r0 + xm + c]! +
          src[r0 + xp + c]! +
          src[rp + xm + c]! +
          src[rp + x0 + c]! +
          src[rp + xp + c]!;
        out[r0 + x0 + c] = clampByte(centre * src[r0 + x0 + c]! - alpha * n);
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** Frequency change by resampling: nearest-neighbour downscale by `factor`, then bilinear back to full size. */
export function downUp(image: RgbImage, factor: number): RgbImage {
  return resizeRgbBilinear(downscaleNearest(image, factor), image.width, image.height);
}
