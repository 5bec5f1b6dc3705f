/**
 * The inverse of a blending trace (DESIGN §8's conflicting regime). Self-blended images mix a transformed copy of
 * the face into the frame through a mask, leaving a boundary, a colour shift and changed high frequencies inside
 * it. This forgery leaves none of the first two: the *scene* is sharpened inside a soft face mask before the
 * camera, and the camera then runs with the real clip's own noise draws, so the fake differs from its real only by
 * extra high-frequency detail on the face — no blending boundary, no colour mismatch, and the same sensor noise.
 */
import { gaussianBlur } from '@cs-dfd/imaging';
import type { Canvas } from './raster.js';
import type { Scene } from './render.js';

/**
 * The inversely-traced scene: `scene.canvas` plus `3·strength` × its high-pass (σ 1.2 px at 96 px) weighted by the
 * face mask (the face skin coverage feathered by 2 px at 96 px). Returns a new canvas and the mask; `strength` 0
 * returns an unchanged copy.
 */
export function inverseTraceScene(scene: Scene, strength: number): { canvas: Canvas; mask: Float32Array } {
  const { width, height, data } = scene.canvas;
  const scale = width / 96;
  const mask = gaussianBlur(scene.faceMask, width, height, 1, 2 * scale);
  for (let p = 0; p < mask.length; p++) mask[p] = Math.min(1, mask[p]!);
  const low = gaussianBlur(data, width, height, 3, 1.2 * scale);
  const out = new Float32Array(data);
  const gain = 3 * strength;
  for (let p = 0; p < mask.length; p++) {
    const a = gain * mask[p]!;
    if (a === 0) continue;
    for (let ch = 0; ch < 3; ch++) {
      const i = 3 * p + ch;
      out[i] = data[i]! + a * (data[i]! - low[i]!);
    }
  }
  return { canvas: { width, height, data: out }, mask };
}
