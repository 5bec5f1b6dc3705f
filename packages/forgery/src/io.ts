/**
 * Image files through sharp (libvips): decode to raw RGB, encode PNG / JPEG. Separate from the main entry point
 * so that the pure functions load without the native module.
 */
import type { Rng } from '@cs-dfd/rng';
import sharp from 'sharp';
import { ForgeryError } from './errors.js';
import type { Mask, RgbImage } from './types.js';
import { checkInt, checkInterval, validateImage, validateMask } from './validate.js';

/** Decodes any image sharp reads (PNG, JPEG, WebP, …) to 8-bit RGB, dropping alpha (flattened on black). */
export async function decodeImage(input: string | Uint8Array): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(input).removeAlpha().toColourspace('srgb').raw().toBuffer({
      resolveWithObject: true,
    });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (err) {
    const name = typeof input === 'string' ? input : `<${input.length} bytes>`;
    throw new ForgeryError('input.read', 'decodeImage', 'input', name, (err as Error).message);
  }
}

function raw(image: RgbImage) {
  validateImage(image, 'encode');
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
}

export { type PreviewOptions, previewGrid, readFaceFolder } from './preview.js';

/** Encodes an RGB image as PNG. */
export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  return new Uint8Array(await raw(image).png().toBuffer());
}

/**
 * Encodes an RGB image as baseline JPEG at `quality` (1..100). `chroma` 4:4:4 keeps full-resolution colour;
 * the default 4:2:0 is what cameras and most encoders use.
 */
export async function encodeJpeg(
  image: RgbImage,
  quality: number,
  chroma: '4:2:0' | '4:4:4' = '4:2:0',
): Promise<Uint8Array> {
  return new Uint8Array(
    await raw(image).jpeg({ quality, chromaSubsampling: chroma, mozjpeg: false }).toBuffer(),
  );
}

/** A mask as a grey RGB image (0 → black, 1 → white), for previews. */
export function maskToRgb(mask: Mask): RgbImage {
  const data = new Uint8Array(mask.data.length * 3);
  for (let i = 0; i < mask.data.length; i++) {
    const v = Math.round(Math.min(1, Math.max(0, mask.data[i]!)) * 255);
    data[i * 3] = v;
    data[i * 3 + 1] = v;
    data[i * 3 + 2] = v;
  }
  return { width: mask.width, height: mask.height, data };
}

/** Qualities of the two JPEG rounds. */
export interface DoubleJpegParams {
  readonly quality1: number;
  readonly quality2: number;
}

/** Options of {@link sampleDoubleJpegParams}. */
export interface DoubleJpegOptions {
  /** First quality range. Default `[50, 80]`. */
  quality1?: readonly [number, number];
  /** Second quality range. Default `[75, 95]`. */
  quality2?: readonly [number, number];
}

/** Draws two JPEG qualities (integers, uniform in their ranges). */
export function sampleDoubleJpegParams(rng: Rng, options: DoubleJpegOptions = {}): DoubleJpegParams {
  const { quality1 = [50, 80], quality2 = [75, 95] } = options;
  checkInterval(quality1, 1, 100, 'sampleDoubleJpegParams', 'options.quality1');
  checkInterval(quality2, 1, 100, 'sampleDoubleJpegParams', 'options.quality2');
  return {
    quality1: rng.int(Math.ceil(quality1[0]), Math.floor(quality1[1])),
    quality2: rng.int(Math.ceil(quality2[0]), Math.floor(quality2[1])),
  };
}

/**
 * Double JPEG inside the face: the image is JPEG-compressed at `quality1`, decoded, compressed at `quality2`,
 * decoded, and composited with the mask, `out = round(m · jpeg² + (1 − m) · image)`. Pixels with `m = 0` are
 * untouched; the face carries the traces of two quantisations, the rest none (a pasted, recompressed face).
 */
export async function doubleJpeg(image: RgbImage, mask: Mask, params: DoubleJpegParams): Promise<RgbImage> {
  validateImage(image, 'doubleJpeg');
  validateMask(mask, image.width, image.height, 'doubleJpeg');
  checkInt(params.quality1, 1, 100, 'doubleJpeg', 'params.quality1');
  checkInt(params.quality2, 1, 100, 'doubleJpeg', 'params.quality2');
  const once = await decodeImage(await encodeJpeg(image, params.quality1));
  const twice = await decodeImage(await encodeJpeg(once, params.quality2));
  const out = Uint8Array.from(image.data);
  for (let p = 0; p < mask.data.length; p++) {
    const m = mask.data[p]!;
    if (m <= 0) continue;
    for (let c = 0; c < 3; c++) {
      const k = p * 3 + c;
      out[k] = Math.round(m * twice.data[k]! + (1 - m) * image.data[k]!);
    }
  }
  return { width: image.width, height: image.height, data: out };
}
