/**
 * @packageDocumentation
 * Online forgery synthesis for deepfake detection (DESIGN §7): Self-Blended Images with every stage a separate
 * function, a blended face swap, and artifact transforms, on raw RGB buffers with a seeded {@link Rng}.
 * Image files are read and written by `@cs-dfd/forgery/io` (sharp), kept out of this entry point so the pure
 * functions load without a native module.
 */
export type { Rng } from '@cs-dfd/rng';
export * from './artifacts.js';
export * from './color.js';
export * from './errors.js';
export * from './grid.js';
export * from './landmarks.js';
export * from './masks.js';
export * from './morphology.js';
export {
  defaultWorkerScript,
  type SynthesisJob,
  type SynthesisOutput,
  SynthesisPool,
  SynthesisPoolError,
  type SynthesisPoolOptions,
} from './pool.js';
export * from './resize.js';
export * from './sbi.js';
export * from './swap.js';
export * from './synthetic.js';
export type * from './types.js';
export * from './validate.js';
export * from './warp.js';
