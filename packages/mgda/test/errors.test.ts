import { GramianError } from '@cs-dfd/gramian';
import { describe, expect, it } from 'vitest';
import { type MgdaOptions, mgda } from '../src/index.js';

function errorOf(f: () => unknown): GramianError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GramianError);
    return e as GramianError;
  }
  throw new Error('expected a GramianError');
}

describe('mgda: bad input gives typed errors', () => {
  it.each([
    [{ solver: 'newton' }, /solver/],
    [{ reduction: 'max' }, /reduction/],
    [{ tolerance: -1 }, /tolerance/],
    [{ tolerance: Number.NaN }, /tolerance/],
    [{ maxIterations: 0 }, /maxIterations/],
    [{ maxIterations: 2.5 }, /maxIterations/],
  ])('option %o', (options, message) => {
    const e = errorOf(() => mgda(options as unknown as MgdaOptions));
    expect(e.code).toBe('invalid-option');
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/^mgda:/);
  });

  it('a non-finite G names the task', () => {
    const e = errorOf(() => mgda().weights(Float64Array.of(1, 0, 0, Number.NaN), 2));
    expect(e.code).toBe('non-finite');
    expect(e.task).toBe(1);
  });

  it('a negative diagonal, an asymmetric G and a K mismatch are rejected', () => {
    expect(errorOf(() => mgda().weights(Float64Array.of(1, 0, 0, -1), 2)).code).toBe('negative-diagonal');
    expect(errorOf(() => mgda().weights(Float64Array.of(1, 0.5, -0.5, 1), 2)).code).toBe('asymmetric');
    expect(errorOf(() => mgda().weights(Float64Array.of(1, 0, 0, 1), 3)).code).toBe('shape');
    expect(errorOf(() => mgda().solve(Float64Array.of(), 0)).code).toBe('shape');
  });

  it('does not mutate G', () => {
    const G = Float64Array.of(18, -22, -22, 38);
    mgda().weights(G, 2);
    expect(Array.from(G)).toEqual([18, -22, -22, 38]);
  });
});
