// exportState / importState: a checkpoint of GradVac (targets + order RNG, plain JSON) lets a fresh instance
// continue bit for bit, and malformed states are refused with typed errors that name the field.
import type { GramianError, MethodState } from '@cs-dfd/gramian';
import { gramianErrorOf, problems } from '@cs-dfd/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradVac } from '../src/index.js';

const sequences = (steps: number) =>
  fc
    .integer({ min: 1, max: 5 })
    .chain((K) => fc.array(problems({ minK: K, maxK: K }), { minLength: 2, maxLength: steps }));

/** Through JSON text, as a checkpoint's state.json carries it. */
const viaJson = (s: MethodState): MethodState => JSON.parse(JSON.stringify(s)) as MethodState;

describe('gradVac state export / import', () => {
  it('a fresh instance given the exported state continues bit for bit (weights, info, targets)', () => {
    fc.assert(
      fc.property(
        sequences(6),
        fc.nat(),
        fc.integer(),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (seq, cut, seed, beta) => {
          const at = 1 + (cut % (seq.length - 1));
          const straight = gradVac({ seed, beta });
          const first = gradVac({ seed, beta });
          const expected = seq.map(({ G, K }) => straight.solve(G, K));
          for (const { G, K } of seq.slice(0, at)) first.solve(G, K);
          const resumed = gradVac({ seed, beta });
          resumed.importState(viaJson(first.exportState()));
          expect(resumed.targets()).toEqual(first.targets());
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

  it('the state matters: without it a fresh instance diverges (targets and the order stream)', () => {
    // J = [[1, 0], [-1, 1]] (cosine -1/√2) for 50 steps with β = 0.5 pulls the targets to -1/√2; a fresh
    // instance still projects to 0 (PCGrad), so its weights differ.
    const G = Float64Array.from([1, -1, -1, 2]);
    const warm = gradVac({ beta: 0.5 });
    for (let t = 0; t < 50; t++) warm.weights(G, 2);
    const state = warm.exportState();
    expect(state.targets![1]).toBeCloseTo(-Math.SQRT1_2, 12);
    const fresh = gradVac({ beta: 0.5 });
    const restored = gradVac({ beta: 0.5 });
    restored.importState(viaJson(state));
    const w = Array.from(warm.weights(G, 2));
    expect(Array.from(restored.weights(G, 2))).toEqual(w);
    expect(Array.from(fresh.weights(G, 2))).not.toEqual(w);
  });

  it('a fixed target exports no targets but still carries the RNG position (K = 3 orders differ)', () => {
    const G = Float64Array.from([1, -0.5, 0.2, -0.5, 2, -0.9, 0.2, -0.9, 1.5]);
    const a = gradVac({ target: 0.1, seed: 3 });
    for (let t = 0; t < 5; t++) a.weights(G, 3);
    const state = a.exportState();
    expect(state.targets).toBeNull();
    expect(state.K).toBe(0);
    const b = gradVac({ target: 0.1, seed: 3 });
    b.importState(viaJson(state));
    for (let t = 0; t < 5; t++) expect(Array.from(b.weights(G, 3))).toEqual(Array.from(a.weights(G, 3)));
  });

  it('reset() after an import forgets the imported state', () => {
    const G = Float64Array.from([1, -1, -1, 2]);
    const warm = gradVac({ beta: 0.5 });
    for (let t = 0; t < 5; t++) warm.weights(G, 2);
    const b = gradVac({ beta: 0.5 });
    b.importState(warm.exportState());
    b.reset();
    expect(b.targets()).toBeNull();
    expect(b.exportState()).toEqual(gradVac({ beta: 0.5 }).exportState());
  });

  it('refuses malformed states with invalid-state naming the field, leaving the instance unchanged', () => {
    const gv = gradVac();
    gv.weights(Float64Array.from([1, 0.5, 0.5, 1]), 2);
    const before = gv.exportState();
    const good = { K: 2, targets: [0, 0.1, 0.1, 0], rng: [1, 2, 3, 4] };
    const cases: Array<[MethodState, RegExp]> = [
      [{ ...good, rng: [1, 2, 3] }, /rng must be four uint32 values, got \[1,2,3\]/],
      [{ ...good, rng: [1, 2, 3, -1] }, /rng must be four uint32 values/],
      [{ ...good, rng: [1, 2, 3, 2 ** 32] }, /rng must be four uint32 values/],
      [{ ...good, K: 1.5 }, /K must be an integer >= 0, got 1.5/],
      [{ ...good, K: 3 }, /targets must be null or 9 numbers \(K×K for K = 3\)/],
      [{ ...good, targets: [0, 2, 0.1, 0] }, /targets\[1\] must be a cosine in \[-1, 1\], got 2/],
      [{ ...good, targets: [0, null, 0.1, 0] }, /targets\[1\] must be a cosine in \[-1, 1\], got null/],
      [{ ...good, targets: null }, /K must be 0 when targets is null, got 2/],
      [{ ...good, K: 0 }, /K must be >= 1 when targets are given, got 0/],
      [{ rng: [1, 2, 3, 4] }, /K must be an integer >= 0, got undefined/],
    ];
    for (const [state, message] of cases) {
      const e: GramianError = gramianErrorOf(() => gv.importState(state));
      expect(e.code).toBe('invalid-state');
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/^gradVac\.importState: /);
    }
    expect(gv.exportState()).toEqual(before);
  });
});
