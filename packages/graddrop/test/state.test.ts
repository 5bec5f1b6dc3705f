// exportState / importState: GradDrop's uniform-stream position as plain JSON lets a fresh instance draw the same
// uniforms, so it continues bit for bit (host and tensor paths); malformed states are refused with typed errors
// naming the field, and the instance is unchanged then.
import '@tensorflow/tfjs-backend-cpu';
import type { GramianError, MethodState } from '@cs-dfd/gramian';
import { gramianErrorOf } from '@cs-dfd/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradDrop, seededUniforms, type UniformSource } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Through JSON text, as a checkpoint's state.json carries it. */
const viaJson = (s: MethodState): MethodState => JSON.parse(JSON.stringify(s)) as MethodState;

const entry = fc
  .oneof(fc.constant(0), fc.double({ min: -10, max: 10, noNaN: true }))
  .map((x) => (Math.abs(x) < 1e-6 ? 0 : Math.fround(x)));

/** A sequence of host problems with the same K (lengths may change from step to step). */
const sequences = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 10 }))
  .chain(([K, steps]) =>
    fc.array(
      fc
        .integer({ min: 1, max: 12 })
        .chain((n) =>
          fc.array(fc.array(entry, { minLength: n, maxLength: n }), { minLength: K, maxLength: K }),
        ),
      { minLength: steps, maxLength: steps },
    ),
  );

const asVectors = (g: number[][]) => g.map((v) => Float64Array.from(v));

describe('gradDrop state export / import', () => {
  it('a fresh instance given the exported state continues bit for bit (host path, many steps)', () => {
    fc.assert(
      fc.property(
        sequences,
        fc.nat(),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (seq, cut, seed, leak) => {
          const at = 1 + (cut % (seq.length - 1));
          const straight = gradDrop({ seed, leak });
          const expected = seq.map((g) => Array.from(straight.aggregate(asVectors(g))));
          const first = gradDrop({ seed, leak });
          for (const g of seq.slice(0, at)) first.aggregate(asVectors(g));
          const resumed = gradDrop({ seed, leak });
          resumed.importState!(viaJson(first.exportState!()));
          seq.slice(at).forEach((g, t) => {
            expect(Array.from(resumed.aggregate(asVectors(g)))).toEqual(expected[at + t]);
          });
          expect(resumed.exportState!()).toEqual(straight.exportState!());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the tensor path continues bit for bit too, and without the state the drops differ', () => {
    const map = (seed: number) =>
      tf.tidy(() => ({
        a: tf.randomNormal([6, 5], 0, 1, 'float32', seed),
        b: tf.randomNormal([7], 0, 1, 'float32', seed + 1),
      }));
    const grads = [map(1), map(2)];
    const before = tf.memory().numTensors;
    const read = (m: tf.NamedTensorMap) => {
      const out = { a: Array.from(m.a!.dataSync()), b: Array.from(m.b!.dataSync()) };
      tf.dispose(Object.values(m));
      return out;
    };
    const warm = gradDrop({ seed: 9 });
    for (let t = 0; t < 3; t++) read(warm.aggregateTensors(grads));
    const restored = gradDrop({ seed: 9 });
    restored.importState!(viaJson(warm.exportState!()));
    const fresh = gradDrop({ seed: 9 });
    for (let t = 0; t < 5; t++) {
      const want = read(warm.aggregateTensors(grads));
      expect(read(restored.aggregateTensors(grads))).toEqual(want);
      // K = 2 gradients of opposite signs somewhere: the drops depend on the draws, so a fresh stream differs.
      expect(read(fresh.aggregateTensors(grads))).not.toEqual(want);
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const m of grads) tf.dispose(Object.values(m));
  });

  it('exports { uniforms: { rng } } that moves with every call; reset() returns to the seed', () => {
    const g = gradDrop({ seed: 4 });
    const s0 = g.exportState!();
    expect(Object.keys(s0)).toEqual(['uniforms']);
    expect((s0.uniforms as { rng: number[] }).rng).toHaveLength(4);
    g.aggregate([Float64Array.from([1, -2]), Float64Array.from([-1, 3])]);
    expect(g.exportState!()).not.toEqual(s0);
    g.reset();
    expect(g.exportState!()).toEqual(s0);
    expect(seededUniforms(4).exportState()).toEqual(s0.uniforms);
  });

  it('a custom uniform source without exportState/importState makes GradDrop non-resumable (members absent)', () => {
    const half: UniformSource = { next: (n) => new Float64Array(n).fill(0.5) };
    const g = gradDrop({ uniforms: half });
    expect(g.exportState).toBeUndefined();
    expect(g.importState).toBeUndefined();
  });

  it('refuses malformed states with invalid-state naming the field, leaving the instance unchanged', () => {
    const g = gradDrop({ seed: 2 });
    g.aggregate([Float64Array.from([1, -2, 3]), Float64Array.from([-1, 3, -3])]);
    const before = g.exportState!();
    const cases: Array<[unknown, RegExp]> = [
      [null, /^gradDrop\.importState: state must be an object \{ uniforms \}, got null/],
      [{ rng: [1, 2, 3, 4] }, /^gradDrop\.importState: rng is not a field of the state \{ uniforms \}/],
      [
        { uniforms: 3 },
        /^gradDrop\.importState: uniforms must be an object \(the uniform source state\), got 3/,
      ],
      [
        { uniforms: { rng: [1, 2, 3] } },
        /^gradDrop\.importState: uniforms: seededUniforms\.importState: rng must be four uint32 values, got \[1,2,3\]/,
      ],
      [
        { uniforms: { rng: [1, 2, 3, -4] } },
        /uniforms: seededUniforms\.importState: rng must be four uint32/,
      ],
      [{ uniforms: { rng: [1, 2, 3, 2 ** 32] } }, /rng must be four uint32 values/],
      [
        { uniforms: {} },
        /uniforms: seededUniforms\.importState: rng must be four uint32 values, got undefined/,
      ],
      [
        { uniforms: { rng: [1, 2, 3, 4], seed: 1 } },
        /uniforms: seededUniforms\.importState: seed is not a field of the state \{ rng \}, got 1/,
      ],
    ];
    for (const [state, message] of cases) {
      const e: GramianError = gramianErrorOf(() => g.importState!(state as MethodState));
      expect(e.code).toBe('invalid-state');
      expect(e.message).toMatch(message);
    }
    expect(g.exportState!()).toEqual(before);
  });
});
