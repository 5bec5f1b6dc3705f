import { bilinearRgbRect, gainLut, hsvPixel, sharpenRect, shiftLut } from './raster.js';
import type { RgbImage } from './types.js';

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
  return applyLuts(image, [shiftLut(shift[0]), shiftLut(shift[1]), shiftLut(shift[2])]);
}

/**
 * `out = clip(round((1 + contrast) · x + brightness · 255))` per channel (the `brightness_by_max` convention of
 * albumentations); SBI draws both in ±0.1.
 */
export function brightnessContrast(image: RgbImage, brightness: number, contrast: number): RgbImage {
  const lut = gainLut(brightness, contrast);
  return applyLuts(image, [lut, lut, lut]);
}

/**
 * Shifts hue by `hue` degrees (cyclic) and saturation and value by `saturation` and `value` on a 0..255 scale
 * (clipped), through the hexcone HSV model. With all three 0 the image comes back unchanged.
 */
export function hsvShift(image: RgbImage, hue: number, saturation: number, value: number): RgbImage {
  const src = image.data;
  const out = new Uint8Array(src.length);
  if (hue === 0 && saturation === 0 && value === 0) out.set(src);
  else {
    const ds = saturation / 255;
    for (let i = 0; i < src.length; i += 3)
      hsvPixel(src[i]!, src[i + 1]!, src[i + 2]!, hue, ds, value, out, i);
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
  sharpenRect(src, w, h, alpha, lightness, [0, 0, w - 1, h - 1], out);
  return { width: w, height: h, data: out };
}

/**
 * Frequency change by resampling: nearest-neighbour downscale by `factor`, then bilinear back to full size (the
 * downscaled image is read in place, never materialised).
 */
export function downUp(image: RgbImage, factor: number): RgbImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`downUp: factor ${factor}`);
  const { width: w, height: h } = image;
  const out = new Uint8Array(w * h * 3);
  const sw = Math.ceil(w / factor);
  const sh = Math.ceil(h / factor);
  bilinearRgbRect(image.data, w, factor, sw, sh, w, h, [0, 0, w - 1, h - 1], out);
  return { width: w, height: h, data: out };
}
