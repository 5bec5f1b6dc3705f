import { GramianError } from '@cs-dfd/gramian';
import { describe, expect, it } from 'vitest';
import { type DualConeOptions, dualProj, upgrad } from '../src/index.js';

function errorOf(f: () => unknown): GramianError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GramianError);
    return e as GramianError;
  }
  throw new Error('expected a GramianError');
}

describe.each([
  ['upgrad', upgrad],
  ['dualProj', dualProj],
] as const)('%s: bad input gives typed errors', (name, factory) => {
  it.each([
    [{ reduction: 'max' }, /reduction/],
    [{ preference: [1, 1], reduction: 'mean' }, /either preference or reduction/],
    [{ preference: [] }, /preference/],
    [{ preference: [1, Number.NaN] }, /preference\[1\]/],
    [{ normEps: -1 }, /normEps/],
    [{ regEps: Number.POSITIVE_INFINITY }, /regEps/],
  ])('option %o', (options, message) => {
    const e = errorOf(() => factory(options as unknown as DualConeOptions));
    expect(e.code).toBe('invalid-option');
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${name}:`)).toBe(true);
  });

  it('a preference of the wrong length for K', () => {
    const e = errorOf(() => factory({ preference: [1, 2, 3] }).weights(Float64Array.of(1, 0, 0, 1), 2));
    expect(e.code).toBe('shape');
    expect(e.message).toMatch(/3 entries but K = 2/);
  });

  it('a bad G: non-finite (names the task), negative diagonal, asymmetric, wrong size', () => {
    const e = errorOf(() => factory().weights(Float64Array.of(1, 0, 0, Number.POSITIVE_INFINITY), 2));
    expect(e.code).toBe('non-finite');
    expect(e.task).toBe(1);
    expect(errorOf(() => factory().weights(Float64Array.of(-1, 0, 0, 1), 2)).code).toBe('negative-diagonal');
    expect(errorOf(() => factory().weights(Float64Array.of(1, 0.5, -0.5, 1), 2)).code).toBe('asymmetric');
    expect(errorOf(() => factory().weights(Float64Array.of(1, 0, 0, 1), 3)).code).toBe('shape');
  });

  it('does not mutate G', () => {
    const G = Float64Array.of(18, -22, -22, 38);
    factory({ regEps: 1e-4 }).weights(G, 2);
    expect(Array.from(G)).toEqual([18, -22, -22, 38]);
  });
});
