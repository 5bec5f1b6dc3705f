/**
 * Grad-CAM heatmaps (Selvaraju et al., ICCV 2017) for a few test images: the detector's last convolutional
 * feature map A [h, w, C] weighted by α_c = mean over (h, w) of ∂s/∂A_c (s the fake logit), map = ReLU(Σ_c α_c A_c),
 * bilinearly upsampled to the input size and overlaid in red on the (upscaled) image.
 */
import { join } from 'node:path';
import type { Detector } from '@cs-dfd/detectors';
import { writeFileAtomic } from '@cs-dfd/plots';
import type { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { DecodedSplit } from '../evaluation.js';

/** One written heatmap. */
export interface GradCamImage {
  split: string;
  /** Path relative to the run folder. */
  file: string;
  source: string;
  label: 0 | 1;
  score: number;
}

/**
 * Grad-CAM of feature maps A [N, h, w, C] for the logits `logitOf(A)` [N]: ReLU(Σ_c α_c A_c) [N, h, w] with
 * α_{n,c} = mean over (h, w) of ∂s_n/∂A_{n,c}. Each image's logit must depend on its own map only (inference mode),
 * so differentiating the batch sum gives every image its own gradient in one backward pass.
 */
export function gradCamMaps(maps: tf.Tensor4D, logitOf: (maps: tf.Tensor4D) => tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const g = tf.grad((a: tf.Tensor) => tf.sum(logitOf(a as tf.Tensor4D)))(maps);
    const alpha = tf.mean(g, [1, 2], true);
    return tf.relu(tf.sum(tf.mul(alpha, maps), 3)) as tf.Tensor3D;
  });
}

/** Bilinear upsampling of maps [N, h, w] to [N, size, size] (pixel centres aligned, as an image resize). */
export function upsampleMaps(maps: tf.Tensor3D, size: number): tf.Tensor3D {
  return tf.tidy(
    () =>
      tf.squeeze(
        tf.image.resizeBilinear(tf.expandDims(maps, 3) as tf.Tensor4D, [size, size], false, true),
        [3],
      ) as tf.Tensor3D,
  );
}

/** Grad-CAM [size, size] of one image [size, size, 3] under `detector` (inference mode), and P(fake). */
export function gradCam(
  detector: Detector,
  image: Float32Array,
  size: number,
): { map: Float32Array; score: number } {
  return tf.tidy(() => {
    const x = tf.tensor4d(image, [1, size, size, 3]);
    const a = detector.featureMap(x, false);
    const cam = gradCamMaps(a, (m) => detector.head.logits(detector.pool(m)));
    const map = upsampleMaps(cam, size).dataSync() as Float32Array;
    const score = tf.sigmoid(detector.head.logits(detector.pool(a))).dataSync()[0]!;
    return { map: Float32Array.from(map), score };
  });
}

/** Image with the map (normalised by its maximum) blended in red, as 8-bit RGB. */
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

/** Writes `count` Grad-CAM overlays per split (alternating real and fake, drawn with `rng`) to `<out>/gradcam/`. */
export async function writeGradCams(
  detector: Detector,
  splits: readonly DecodedSplit[],
  count: number,
  out: string,
  rng: Rng,
): Promise<GradCamImage[]> {
  const written: GradCamImage[] = [];
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
      const { map, score } = gradCam(detector, img, split.size);
      const rgb = overlay(img, map, split.size);
      const png = await sharp(Buffer.from(rgb), {
        raw: { width: split.size, height: split.size, channels: 3 },
      })
        .resize(split.size * 3, split.size * 3, { kernel: 'nearest' })
        .png()
        .toBuffer();
      const file = join('gradcam', `${split.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${k}.png`);
      await writeFileAtomic(join(out, file), png);
      const r = split.records[i]!;
      written.push({ split: split.name, file, source: r.method, label: r.label, score });
    }
  }
  return written;
}
