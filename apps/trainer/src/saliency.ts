/**
 * Heatmaps for a few test images: the input-gradient saliency |∂s/∂x| of the detector's logit s, max over colour
 * channels, normalised per image and overlaid in red on the (upscaled) image.
 *
 * Grad-CAM would weight the last convolutional feature map by its pooled gradient; `@cs-dfd/detectors` exposes only
 * the pooled features, so this is the plain gradient saliency map (Simonyan et al. 2014) instead.
 */
import { join } from 'node:path';
import type { Detector } from '@cs-dfd/detectors';
import { writeFileAtomic } from '@cs-dfd/plots';
import type { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { DecodedSplit } from './evaluation.js';

/** One written heatmap. */
export interface SaliencyImage {
  split: string;
  /** Path relative to the run folder. */
  file: string;
  source: string;
  label: 0 | 1;
  score: number;
}

/** Saliency |∂s/∂x| [H, W] of one image (channel max), and P(fake). */
export function saliencyMap(
  detector: Detector,
  image: Float32Array,
  size: number,
): { map: Float32Array; score: number } {
  return tf.tidy(() => {
    const x = tf.tensor4d(image, [1, size, size, 3]);
    const g = tf.grad((input: tf.Tensor) => tf.sum(detector.logits(input as tf.Tensor4D, false)))(x);
    const map = tf.max(tf.abs(g), 3).dataSync() as Float32Array;
    const score = detector.predict(x).dataSync()[0]!;
    return { map: Float32Array.from(map), score };
  });
}

/** Image with the normalised map blended in red, as 8-bit RGB. */
export function overlay(image: Float32Array, map: Float32Array, size: number): Uint8Array {
  let max = 0;
  for (const v of map) max = Math.max(max, v);
  const out = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    const a = max > 0 ? Math.min(1, map[p]! / max) : 0;
    for (let c = 0; c < 3; c++) {
      const base = image[p * 3 + c]! * 255 * (1 - 0.6 * a);
      out[p * 3 + c] = Math.round(Math.min(255, base + (c === 0 ? 255 * 0.6 * a : 0)));
    }
  }
  return out;
}

/** Writes `count` heatmaps per split (half real, half fake, drawn with `rng`) under `dir`. */
export async function writeSaliency(
  detector: Detector,
  splits: readonly DecodedSplit[],
  count: number,
  dir: string,
  rng: Rng,
): Promise<SaliencyImage[]> {
  const written: SaliencyImage[] = [];
  for (const split of splits) {
    const per = split.size * split.size * 3;
    const byLabel = [0, 1].map((l) =>
      split.records.map((r, i) => (r.label === l ? i : -1)).filter((i) => i >= 0),
    );
    const picks: number[] = [];
    for (let k = 0; k < count; k++) {
      const pool = byLabel[k % 2]!.length > 0 ? byLabel[k % 2]! : byLabel[(k + 1) % 2]!;
      if (pool.length === 0) break;
      picks.push(pool[rng.int(0, pool.length - 1)]!);
    }
    for (const [k, i] of picks.entries()) {
      const img = split.images.subarray(i * per, (i + 1) * per);
      const { map, score } = saliencyMap(detector, img, split.size);
      const rgb = overlay(img, map, split.size);
      const png = await sharp(Buffer.from(rgb), {
        raw: { width: split.size, height: split.size, channels: 3 },
      })
        .resize(split.size * 3, split.size * 3, { kernel: 'nearest' })
        .png()
        .toBuffer();
      const file = join('saliency', `${split.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${k}.png`);
      await writeFileAtomic(join(dir, '..', file), png);
      const r = split.records[i]!;
      written.push({ split: split.name, file, source: r.method, label: r.label, score });
    }
  }
  return written;
}
