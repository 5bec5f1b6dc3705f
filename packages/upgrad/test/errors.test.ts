import { gramianErrorOf as errorOf, expectBadGramsRejected, expectGramUnchanged } from '@cs-dfd/test-utils';
import { describe, expect, it } from 'vitest';
import { type DualConeOptions, dualProj, upgrad } from '../src/index.js';

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
    expectBadGramsRejected(() => factory());
  });

  it('does not mutate G', () => {
    expectGramUnchanged(factory({ regEps: 1e-4 }));
  });
});
