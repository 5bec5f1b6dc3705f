import { gramianErrorOf as errorOf, expectBadGramsRejected, expectGramUnchanged } from '@cs-dfd/test-utils';
import { describe, expect, it } from 'vitest';
import { type MgdaOptions, mgda } from '../src/index.js';

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

  it('a bad G: non-finite (names the task), negative diagonal, asymmetric, wrong size', () => {
    expectBadGramsRejected(() => mgda());
    expect(errorOf(() => mgda().solve(Float64Array.of(), 0)).code).toBe('shape');
  });

  it('does not mutate G', () => {
    expectGramUnchanged(mgda());
  });
});
