import { gaussianBlur } from '@cs-dfd/imaging';
import type { Rng } from '@cs-dfd/rng';
import sharp from 'sharp';
import type { Camera } from './options.js';
import { type Canvas, toUint8 } from './raster.js';

/** 1 / σ of a sum of four uniform 16-bit integers. */
const IRWIN_HALL_SCALE = 1 / Math.sqrt((4 * (65536 ** 2 - 1)) / 12);

/**
 * An approximately standard normal deviate (Irwin–Hall): the centred sum of four uniforms, rescaled to unit variance. Sensor
 * noise needs no exact tails, and this is several times cheaper than the polar method.
 */
export function fastNormal(rng: Rng): number {
  // Four 16-bit uniforms from two 32-bit draws: sum has mean 4·32767.5 and variance 4·(65536² − 1)/12.
  const a = rng.nextUint32();
  const b = rng.nextUint32();
  const sum = (a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16);
  return (sum - 131070) * IRWIN_HALL_SCALE;
}

/**
 * A stream of approximate standard normal deviates for per-pixel noise: an xorshift32 generator seeded once from
 * `rng`, summing four 16-bit uniforms per deviate (Irwin–Hall). Inlined state keeps this off the hot path's
 * method calls; the stream is fully determined by `rng`'s state.
 */
export function noiseStream(rng: Rng): () => number {
  let s = rng.nextUint32() | 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const a = s >>> 0;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const b = s >>> 0;
    return ((a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16) - 131070) * IRWIN_HALL_SCALE;
  };
}

/**
 * Capture: optics blur, tone curve, then sensor noise (read noise plus shot noise that grows with intensity).
 * Returns a new float canvas; `rng` drives the noise.
 */
export function capture(canvas: Canvas, camera: Camera, rng: Rng): Canvas {
  const { width, height } = canvas;
  const sigma = (camera.blur * width) / 96;
  const data = gaussianBlur(canvas.data, width, height, 3, sigma);
  // Tone curve and noise gain through 257-entry tables: a pow and a sqrt per sample would dominate the cost.
  const tone = new Float32Array(257);
  const gain = new Float32Array(257);
  for (let i = 0; i <= 256; i++) {
    const v = Math.min(255, i);
    tone[i] = camera.gamma === 1 ? v : 255 * (v / 255) ** camera.gamma;
    gain[i] = camera.noise * (0.6 + 0.4 * Math.sqrt(tone[i]! / 255));
  }
  const normal = noiseStream(rng);
  for (let i = 0; i < data.length; i++) {
    const x = data[i]! < 0 ? 0 : Math.min(data[i]!, 255);
    const j = Math.floor(x);
    const f = x - j;
    const v = tone[j]! + f * (tone[j + 1]! - tone[j]!);
    data[i] = camera.noise > 0 ? v + gain[j]! * normal() : v;
  }
  return { width, height, data };
}

/** JPEG round trip at the camera's quality and chroma subsampling; returns the decoded 8-bit RGB. */
export async function compress(canvas: Canvas, camera: Camera): Promise<Uint8Array> {
  const raw = toUint8(canvas);
  const { width, height } = canvas;
  const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: camera.jpegQuality, chromaSubsampling: camera.chroma })
    .toBuffer();
  const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
