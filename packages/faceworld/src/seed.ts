import { Rng } from '@cs-dfd/rng';

/**
 * Named random streams. Each draw in faceworld comes from its own stream keyed by (seed, stream, ids...), so any
 * frame can be rendered alone, in any order, by any worker, and adding a draw to one stream never shifts another.
 */
export const Stream = {
  split: 1,
  identity: 2,
  video: 3,
  frame: 4,
  camera: 5,
  forgery: 6,
  donor: 7,
  texture: 8,
} as const;

/** One named stream of {@link Stream}. */
export type StreamId = (typeof Stream)[keyof typeof Stream];

function mix32(h: number, v: number): number {
  // murmur3-style absorb and finalise; every id changes every output bit.
  let k = Math.imul(v >>> 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = (h ^ k) >>> 0;
  x = (x << 13) | (x >>> 19);
  x = (Math.imul(x, 5) + 0xe6546b64) >>> 0;
  return x;
}

function finalise(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit seed derived from a dataset seed and a tuple of non-negative integer ids. */
export function deriveSeed(seed: number, stream: StreamId, ...ids: readonly number[]): number {
  let h = mix32(0x5eed_f00d, seed >>> 0);
  h = mix32(h, Math.floor(seed / 2 ** 32) >>> 0);
  h = mix32(h, stream);
  for (const id of ids) h = mix32(h, id >>> 0);
  return finalise(mix32(h, ids.length));
}

/** A generator for one named stream and id tuple (see {@link deriveSeed}). */
export function rngFor(seed: number, stream: StreamId, ...ids: readonly number[]): Rng {
  return new Rng(deriveSeed(seed, stream, ...ids));
}
