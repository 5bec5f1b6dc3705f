/**
 * Image files through sharp (libvips): decode to raw RGB, encode PNG / JPEG. Separate from the main entry point
 * so that the pure functions load without the native module.
 */
import sharp from 'sharp';
import { ForgeryError } from './errors.js';
import type { Mask, RgbImage } from './types.js';
import { validateImage } from './validate.js';

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
