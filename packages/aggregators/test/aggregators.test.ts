import { gramOfRows, isVectorAggregator } from '@cs-dfd/gramian';
import { describe, expect, it } from 'vitest';
import { AGGREGATORS, makeAggregator, UnknownAggregatorError } from '../src/index.js';

// torchjd's test matrix: two conflicting gradients.
const G = gramOfRows([
  [-4, 1, 1],
  [6, 1, 1],
]);

function weightsOf(name: string, options: Record<string, unknown>): Float64Array {
  const agg = makeAggregator(name, options);
  if (isVectorAggregator(agg)) throw new Error(`${name} is vector-level`);
  return agg.weights(G, 2);
}

describe('aggregator table', () => {
  it('has unique names, and every entry builds an aggregator of a package-named kind', () => {
    const names = AGGREGATORS.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    for (const a of AGGREGATORS) {
      const agg = a.make();
      if (isVectorAggregator(agg)) {
        const d = agg.aggregate([Float64Array.of(-4, 1, 1), Float64Array.of(6, 1, 1)]);
        expect(d.length).toBe(3);
      } else {
        const w = agg.weights(G, 2);
        expect(w.length).toBe(2);
        expect(Array.from(w).every(Number.isFinite)).toBe(true);
      }
    }
  });

  it('passes options through to the package factory', () => {
    // UVS with c = 0 is the mean; PCGrad's mean reduction halves its sum-convention weights.
    expect(Array.from(weightsOf('uvs', { c: 0, rescale: 'none' }))).toEqual([0.5, 0.5]);
    const sumW = weightsOf('pcgrad', { reduction: 'sum' });
    const meanW = weightsOf('pcgrad', { reduction: 'mean' });
    expect(meanW[0]).toBeCloseTo(sumW[0]! / 2, 12);
    expect(meanW[1]).toBeCloseTo(sumW[1]! / 2, 12);
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => makeAggregator('adamw')).toThrow(UnknownAggregatorError);
    expect(() => makeAggregator('adamw')).toThrow(/known: uvs, mean/);
  });

  it('lets the factory reject bad options', () => {
    expect(() => makeAggregator('uvs', { c: -1 })).toThrow(/c/);
  });
});
