import {
  type RgbImage as ForgeryImage,
  type SelfBlendOptions,
  type SynthesisPool,
  selfBlend,
} from '@cs-dfd/forgery';
import type { SynthesizeFn } from './loader.js';
import type { RgbImage } from './types.js';

/** Forgery images may hold a Uint8ClampedArray; the loader's records hold Uint8Array (same bytes, no copy). */
function asLoaderImage(fake: ForgeryImage): RgbImage {
  const data =
    fake.data instanceof Uint8Array
      ? fake.data
      : new Uint8Array(fake.data.buffer, fake.data.byteOffset, fake.data.length);
  return { width: fake.width, height: fake.height, data };
}

/**
 * The loader's `synthesize` hook backed by `@cs-dfd/forgery`'s Self-Blended Images: the fake is
 * `selfBlend(image, landmarks, rng, options).fake`, drawn entirely from the loader's per-sample generator.
 */
export function sbiSynthesizer(options: SelfBlendOptions = {}): SynthesizeFn {
  return ({ image, landmarks }, rng) => asLoaderImage(selfBlend(image, landmarks, rng, options).fake);
}

/**
 * The same hook on a `SynthesisPool`'s worker threads: each sample's generator is built from the loader's
 * per-sample state, so the fakes are byte-identical to {@link sbiSynthesizer}'s for any pool size.
 */
export function poolSynthesizer(pool: SynthesisPool): SynthesizeFn {
  const run = pool.synthesizer();
  return async (face, rng) => asLoaderImage(await run(face, rng));
}
