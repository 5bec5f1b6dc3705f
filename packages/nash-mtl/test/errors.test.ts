import { GramianError } from '@cs-dfd/gramian';
import { describe, expect, it } from 'vitest';
import { type NashMtlOptions, nashMtl } from '../src/index.js';

function errorOf(f: () => unknown): GramianError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GramianError);
    return e as GramianError;
  }
  throw new Error('expected a GramianError');
}

describe('nashMtl: bad input gives typed errors', () => {
  it.each([
    [{ maxNorm: 0 }, /maxNorm/],
    [{ maxNorm: -1 }, /maxNorm/],
    [{ tolerance: Number.NaN }, /tolerance/],
    [{ maxIterations: 0 }, /maxIterations/],
    [{ maxIterations: 1.5 }, /maxIterations/],
    [{ stationarityTolerance: 2 }, /stationarityTolerance/],
  ])('option %o', (options, message) => {
    const e = errorOf(() => nashMtl(options as NashMtlOptions));
    expect(e.code).toBe('invalid-option');
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/^nashMtl:/);
  });

  it('a bad G: non-finite (names the task), negative diagonal, asymmetric, wrong size', () => {
    const e = errorOf(() => nashMtl().weights(Float64Array.of(Number.NaN, 0, 0, 1), 2));
    expect(e.code).toBe('non-finite');
    expect(e.task).toBe(0);
    expect(errorOf(() => nashMtl().weights(Float64Array.of(1, 0, 0, -1), 2)).code).toBe('negative-diagonal');
    expect(errorOf(() => nashMtl().weights(Float64Array.of(1, 0.5, -0.5, 1), 2)).code).toBe('asymmetric');
    expect(errorOf(() => nashMtl().weights(Float64Array.of(1), 2)).code).toBe('shape');
  });
});
