// exportState / importState: PCGrad's order stream position as plain JSON lets a fresh instance continue bit for
// bit; malformed states are refused with typed errors that name the field and leave the instance unchanged.
import type { GramianError, MethodState } from '@cs-dfd/gramian';
import { gramianErrorOf, problems } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pcgrad } from '../src/index.js';

const sequences = (steps: number) =>
  fc
    .integer({ min: 1, max: 6 })
    .chain((K) => fc.array(problems({ minK: K, maxK: K }), { minLength: 2, maxLength: steps }));

/** Through JSON text, as a checkpoint's state.json carries it. */
const viaJson = (s: MethodState): MethodState => JSON.parse(JSON.stringify(s)) as MethodState;

// K = 3 with every pair conflicting: the projection order changes the update, so the stream position matters.
const G3 = Float64Array.from([1, -0.6, -0.3, -0.6, 2, -0.9, -0.3, -0.9, 1.5]);

describe('pcgrad state export / import', () => {
  it('a fresh instance given the exported state continues bit for bit (weights and info, many steps)', () => {
    fc.assert(
      fc.property(
        sequences(12),
        fc.nat(),
        fc.integer(),
        fc.constantFrom('sum' as const, 'mean' as const),
        (seq, cut, seed, reduction) => {
          const at = 1 + (cut % (seq.length - 1));
          const straight = pcgrad({ seed, reduction });
          const expected = seq.map(({ G, K }) => straight.solve(G, K));
          const first = pcgrad({ seed, reduction });
          for (const { G, K } of seq.slice(0, at)) first.solve(G, K);
          const resumed = pcgrad({ seed, reduction });
          resumed.importState(viaJson(first.exportState()));
          seq.slice(at).forEach(({ G, K }, t) => {
            const r = resumed.solve(G, K);
            expect(Array.from(r.weights)).toEqual(Array.from(expected[at + t]!.weights));
            expect(r.info).toEqual(expected[at + t]!.info);
          });
          expect(resumed.exportState()).toEqual(straight.exportState());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the state matters: with K = 3 a fresh instance takes other orders and gives other weights', () => {
    const warm = pcgrad({ seed: 5 });
    for (let t = 0; t < 3; t++) warm.weights(G3, 3);
    const restored = pcgrad({ seed: 5 });
    restored.importState(viaJson(warm.exportState()));
    const fresh = pcgrad({ seed: 5 });
    const next = Array.from({ length: 20 }, () => Array.from(warm.weights(G3, 3)));
    expect(next.map(() => Array.from(restored.weights(G3, 3)))).toEqual(next);
    expect(next.map(() => Array.from(fresh.weights(G3, 3)))).not.toEqual(next);
  });

  it('the exported state is four uint32 and moves with every call; reset() returns to the seed', () => {
    const p = pcgrad({ seed: 1 });
    const s0 = p.exportState();
    expect(s0.rng).toHaveLength(4);
    for (const v of s0.rng) expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    p.weights(Float64Array.from([1, -1, -1, 2]), 2);
    expect(p.exportState()).not.toEqual(s0);
    p.reset();
    expect(p.exportState()).toEqual(s0);
  });

  it('refuses malformed states with invalid-state naming the field, leaving the instance unchanged', () => {
    const p = pcgrad({ seed: 2 });
    p.weights(G3, 3);
    const before = p.exportState();
    const cases: Array<[unknown, RegExp]> = [
      [{ rng: [1, 2, 3] }, /rng must be four uint32 values, got \[1,2,3\]/],
      [{ rng: [1, 2, 3, -1] }, /rng must be four uint32 values/],
      [{ rng: [1, 2, 3, 2 ** 32] }, /rng must be four uint32 values/],
      [{ rng: [1, 2, 3, 0.5] }, /rng must be four uint32 values/],
      [{ rng: 'abc' }, /rng must be four uint32 values, got "abc"/],
      [{}, /rng must be four uint32 values, got undefined/],
      [{ rng: [1, 2, 3, 4], targets: null }, /targets is not a field of the state \{ rng \}, got null/],
      [null, /state must be an object \{ rng \}, got null/],
      [[1, 2, 3, 4], /state must be an object \{ rng \}/],
      ['abcd', /state must be an object \{ rng \}, got "abcd"/],
      [7, /state must be an object \{ rng \}, got 7/],
    ];
    for (const [state, message] of cases) {
      const e: GramianError = gramianErrorOf(() => p.importState(state as MethodState));
      expect(e.code).toBe('invalid-state');
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/^pcgrad\.importState: /);
    }
    expect(p.exportState()).toEqual(before);
  });

  it('accepts every uint32, 0 included', () => {
    const p = pcgrad();
    p.importState({ rng: [0, 1, 2, 2 ** 32 - 1] });
    expect(p.exportState()).toEqual({ rng: [0, 1, 2, 2 ** 32 - 1] });
  });
});
