import { DataError } from './errors.js';

/**
 * Indices of `count` frames spread evenly over `total`: `round(linspace(0, total - 1, count))`, so the first and last
 * frame are always included and the indices are strictly increasing; all frames when `count >= total`; the middle
 * frame when `count = 1`. Loaders that take the first N frames see only a video's first seconds.
 */
export function evenlySpaced(total: number, count: number): number[] {
  if (!Number.isInteger(total) || total < 0) {
    throw new DataError('invalid-option', `evenlySpaced: total must be an integer >= 0, got ${total}`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new DataError('invalid-option', `evenlySpaced: count must be an integer >= 1, got ${count}`);
  }
  if (count >= total) return Array.from({ length: total }, (_, i) => i);
  if (count === 1) return [Math.floor((total - 1) / 2)];
  const step = (total - 1) / (count - 1);
  return Array.from({ length: count }, (_, k) => Math.round(k * step));
}
