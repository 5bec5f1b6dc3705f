import { Rng } from '@cs-dfd/rng';

/**
 * An independent generator seeded from `rng`'s next draw. Used instead of `Rng.fork()`, which in
 * @cs-dfd/rng 0.x throws for about half of all states (its `| 1` makes the fourth word a negative int32).
 */
export function childRng(rng: Rng): Rng {
  return new Rng(rng.nextUint32());
}
