import { type SelfBlendOptions, selfBlend } from '@cs-dfd/forgery';
import type { SynthesizeFn } from './loader.js';

/**
 * The loader's `synthesize` hook backed by `@cs-dfd/forgery`'s Self-Blended Images: the fake is
 * `selfBlend(image, landmarks, rng, options).fake`, drawn entirely from the loader's per-sample generator.
 */
export function sbiSynthesizer(options: SelfBlendOptions = {}): SynthesizeFn {
  return ({ image, landmarks }, rng) => {
    const { fake } = selfBlend(image, landmarks, rng, options);
    const data =
      fake.data instanceof Uint8Array
        ? fake.data
        : new Uint8Array(fake.data.buffer, fake.data.byteOffset, fake.data.length);
    return { width: fake.width, height: fake.height, data };
  };
}
