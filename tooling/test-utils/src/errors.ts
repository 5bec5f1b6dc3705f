/** Assertions about the typed errors of the aggregation contract. */
import { GramianError, type GramianErrorCode, type Weighting } from '@cs-dfd/gramian';
import { expect } from 'vitest';

/** The {@link GramianError} that `f` throws; fails the test when `f` returns or throws anything else. */
export function gramianErrorOf(f: () => unknown): GramianError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GramianError);
    return e as GramianError;
  }
  throw new Error('expected a GramianError');
}

/**
 * Every bad Gram matrix gives its typed error: a non-finite entry (naming the task of its row), a negative
 * diagonal, an asymmetric G, a K that does not match the length, a length that is not K². `make` builds a fresh
 * weighting per case (stateful weightings must not carry a failed call's state into the next).
 */
export function expectBadGramsRejected(make: () => Weighting): void {
  const cases: Array<[Float64Array, number, GramianErrorCode, number?]> = [
    [Float64Array.of(1, 0, 0, Number.NaN), 2, 'non-finite', 1],
    [Float64Array.of(Number.POSITIVE_INFINITY, 0, 0, 1), 2, 'non-finite', 0],
    [Float64Array.of(1, 0, 0, -1), 2, 'negative-diagonal'],
    [Float64Array.of(1, 0.5, -0.5, 1), 2, 'asymmetric'],
    [Float64Array.of(1, 0, 0, 1), 3, 'shape'],
    [Float64Array.of(1, 0, 0), 2, 'shape'],
  ];
  for (const [G, K, code, task] of cases) {
    const e = gramianErrorOf(() => make().weights(G, K));
    expect(e.code, `G = [${Array.from(G)}], K = ${K}`).toBe(code);
    if (task !== undefined) expect(e.task).toBe(task);
  }
}

/** `weights` leaves G untouched (callers reuse G for diagnostics). */
export function expectGramUnchanged(weighting: Weighting): void {
  const G = Float64Array.of(18, -22, -22, 38);
  weighting.weights(G, 2);
  expect(Array.from(G)).toEqual([18, -22, -22, 38]);
}
