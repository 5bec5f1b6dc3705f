import { gramianErrorOf as errorOf, expectBadGramsRejected, expectGramUnchanged } from '@cs-dfd/test-utils';
import { describe, expect, it } from 'vitest';
import { type NashMtlOptions, nashMtl } from '../src/index.js';

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
    expectBadGramsRejected(() => nashMtl());
  });

  it('does not mutate G', () => {
    expectGramUnchanged(nashMtl());
  });
});
