import type { Rng } from '@cs-dfd/rng';
import { jpegRoundTrip } from './image.js';
import type { RgbImage } from './types.js';

/** Training augmentations, applied per image after synthesis. Each is off when set to `false`. */
export interface AugmentOptions {
  /** Probability of a horizontal flip. Default 0.5. */
  readonly flip?: number | false;
  /** Uniform factor ranges 1 ± value for brightness, contrast (about the mean) and saturation. Default 0.1 each. */
  readonly colour?:
    | { readonly brightness: number; readonly contrast: number; readonly saturation: number }
    | false;
  /** JPEG re-compression with probability `p` at a quality drawn from [lo, hi]. Default p 0.3, quality 60..95. */
  readonly jpeg?: { readonly p: number; readonly quality: readonly [number, number] } | false;
}

export const DEFAULT_AUGMENT = {
  flip: 0.5,
  colour: { brightness: 0.1, contrast: 0.1, saturation: 0.1 },
  jpeg: { p: 0.3, quality: [60, 95] as const },
} as const satisfies AugmentOptions;

/** Mirror left-right. */
export function flipHorizontal(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < w; x++) {
      const s = row + x * 3;
      const d = row + (w - 1 - x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Brightness (scale), contrast (scale about the image mean) and saturation (scale about each pixel's luma,
 * Rec. 601 weights) by the given factors, rounded and clamped to 0..255.
 */
export function colourJitter(
  img: RgbImage,
  brightness: number,
  contrast: number,
  saturation: number,
): RgbImage {
  const d = img.data;
  let mean = 0;
  for (let i = 0; i < d.length; i++) mean += d[i]!;
  mean = d.length ? (mean / d.length) * brightness : 0;
  const out = new Uint8ClampedArray(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i]! * brightness;
    const g = d[i + 1]! * brightness;
    const b = d[i + 2]! * brightness;
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    out[i] = (luma + (r - luma) * saturation - mean) * contrast + mean;
    out[i + 1] = (luma + (g - luma) * saturation - mean) * contrast + mean;
    out[i + 2] = (luma + (b - luma) * saturation - mean) * contrast + mean;
  }
  return { width: img.width, height: img.height, data: new Uint8Array(out.buffer) };
}

/** Applies the configured augmentations in a fixed order (flip, colour, JPEG), drawing from `rng`. */
export async function augment(
  img: RgbImage,
  rng: Rng,
  opts: AugmentOptions = DEFAULT_AUGMENT,
): Promise<RgbImage> {
  let out = img;
  const flip = opts.flip ?? DEFAULT_AUGMENT.flip;
  // every draw happens whether or not its branch applies, so one option never shifts another's randomness
  const doFlip = rng.next() < (flip === false ? 0 : flip);
  const colour = opts.colour ?? DEFAULT_AUGMENT.colour;
  const f = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)] as const;
  const jpeg = opts.jpeg ?? DEFAULT_AUGMENT.jpeg;
  const doJpeg = rng.next() < (jpeg === false ? 0 : jpeg.p);
  const q = rng.next();
  if (doFlip) out = flipHorizontal(out);
  if (colour !== false) {
    out = colourJitter(
      out,
      1 + f[0] * colour.brightness,
      1 + f[1] * colour.contrast,
      1 + f[2] * colour.saturation,
    );
  }
  if (doJpeg && jpeg !== false)
    out = await jpegRoundTrip(out, jpeg.quality[0] + q * (jpeg.quality[1] - jpeg.quality[0]));
  return out;
}
