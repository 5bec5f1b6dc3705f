import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { DataError } from './errors.js';
import { fileReads } from './read-limit.js';
import type { RgbImage } from './types.js';

/** A decoded image and the size it had on disk (to rescale its landmarks). */
export interface DecodedImage extends RgbImage {
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/**
 * Decodes any image sharp reads (PNG, JPEG, WebP, ...) to 8-bit RGB (alpha dropped, grey expanded), optionally
 * resized to `size`×`size` (stretched, bilinear: frames in the DeepfakeBench layout are already square face crops).
 * Throws `missing-file` or `corrupt-image` naming the file.
 */
export async function loadImage(file: string, size?: number): Promise<DecodedImage> {
  let bytes: Buffer;
  try {
    bytes = await fileReads.run(() => readFile(file));
  } catch (e) {
    throw new DataError(
      'missing-file',
      `cannot read image ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      {
        file,
      },
    );
  }
  try {
    const img = sharp(bytes, { failOn: 'error' });
    const meta = await img.metadata();
    let pipe = img.removeAlpha().toColourspace('srgb');
    if (size !== undefined) pipe = pipe.resize(size, size, { fit: 'fill', kernel: 'linear' });
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      sourceWidth: meta.width ?? info.width,
      sourceHeight: meta.height ?? info.height,
    };
  } catch (e) {
    throw new DataError('corrupt-image', `cannot decode image ${file}: ${(e as Error).message}`, { file });
  }
}

/** Encodes and decodes `image` as JPEG at `quality` (1..100): the compression augmentation. */
export async function jpegRoundTrip(image: RgbImage, quality: number): Promise<RgbImage> {
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  const jpeg = await sharp(image.data, { raw })
    .jpeg({ quality: Math.round(quality), chromaSubsampling: '4:2:0' })
    .toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}
