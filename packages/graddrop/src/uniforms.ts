import { Rng } from '@cs-dfd/rng';

/**
 * Where GradDrop's uniform draws come from: one draw per gradient coordinate, consumed in coordinate order. Share or
 * inject a source to make two runs (or the host and tensor paths) see the same draws.
 */
export interface UniformSource {
  /** The next n draws, each strictly inside (0, 1). */
  next(n: number): Float64Array;
  /** Restarts the stream (called by the aggregator's `reset()`). */
  reset?(): void;
}

const RESOLUTION = 2 ** 23;

/**
 * Seeded draws from `@cs-dfd/rng`: u = (k + 1/2) / 2²³ with k uniform in [0, 2²³). Every value is exactly
 * representable in float32 (so the tensor path compares against the same numbers as the host path) and lies strictly
 * inside (0, 1), so a coordinate where all tasks agree in sign (P = 0 or 1) is never dropped.
 */
export function seededUniforms(seed = 0): UniformSource & { reset(): void } {
  let rng = new Rng(seed);
  return {
    next(n: number): Float64Array {
      const u = new Float64Array(n);
      for (let p = 0; p < n; p++) u[p] = ((rng.nextUint32() >>> 9) + 0.5) / RESOLUTION;
      return u;
    },
    reset() {
      rng = new Rng(seed);
    },
  };
}
