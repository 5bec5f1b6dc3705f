import '@tensorflow/tfjs-backend-cpu';
import { GramianError } from '@cs-dfd/gramian';
import { aggregate as aggregateOnBackend } from '@cs-dfd/gramian/tfjs';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradDrop, seededUniforms, type UniformSource } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Float32-representable entries (the tensor path stores float32); tiny ones become exact zeros, some are 0. */
const entry = fc
  .oneof(fc.constant(0), fc.double({ min: -10, max: 10, noNaN: true }))
  .map((x) => (Math.abs(x) < 1e-6 ? 0 : Math.fround(x)));

const hostProblems = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }))
  .chain(([K, n]) =>
    fc.array(fc.array(entry, { minLength: n, maxLength: n }), { minLength: K, maxLength: K }),
  );

const shapes = fc.array(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }), {
  minLength: 1,
  maxLength: 3,
});

/** The same gradients as K tensor maps and as K flat host vectors (keys in insertion order, row-major). */
function asMaps(flat: number[][], shapeList: number[][]): tf.NamedTensorMap[] {
  return flat.map((g) => {
    const map: tf.NamedTensorMap = {};
    let off = 0;
    shapeList.forEach((shape, b) => {
      const size = shape.reduce((a, c) => a * c, 1);
      map[`p${b}`] = tf.tensor(g.slice(off, off + size), shape, 'float32');
      off += size;
    });
    return map;
  });
}

const flatten = (map: tf.NamedTensorMap) => Object.values(map).flatMap((t) => Array.from(t.dataSync()));
const disposeAll = (...maps: tf.NamedTensorMap[]) =>
  maps.forEach((m) => Object.values(m).forEach((t) => t.dispose()));
const purity = (col: number[]) => {
  const abs = col.reduce((s, x) => s + Math.abs(x), 0);
  return abs === 0 ? 0.5 : 0.5 * (1 + col.reduce((s, x) => s + x, 0) / abs);
};

describe('gradDrop: host and tensor paths agree given the same draws', () => {
  it('on random shapes and K, with no tensor leak', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        shapes,
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (K, shapeList, seed, leak) => {
          const n = shapeList.reduce((s, sh) => s + sh.reduce((a, c) => a * c, 1), 0);
          const rng = new Rng(seed);
          const flat = Array.from({ length: K }, () =>
            Array.from({ length: n }, () => (rng.bernoulli(0.1) ? 0 : Math.fround(rng.normal()))),
          );
          const maps = asMaps(flat, shapeList);
          const before = tf.memory().numTensors;
          const onTensors = gradDrop({ seed, leak }).aggregateTensors(maps);
          expect(Object.keys(onTensors)).toEqual(Object.keys(maps[0]!));
          const dTensor = flatten(onTensors);
          disposeAll(onTensors);
          expect(tf.memory().numTensors).toBe(before);
          const dHost = gradDrop({ seed, leak }).aggregate(flat.map((g) => Float64Array.from(g)));
          const u = seededUniforms(seed).next(n);
          dHost.forEach((x, p) => {
            const col = flat.map((g) => g[p]!);
            // float32 vs float64 purity may order differently against a draw within rounding: skip those
            if (Math.abs(purity(col) - u[p]!) < 1e-5) return;
            const size = col.reduce((s, v) => s + Math.abs(v), 0);
            expect(Math.abs(dTensor[p]! - x)).toBeLessThanOrEqual(1e-6 * size);
          });
          disposeAll(...maps);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('inside aggregate() of @cs-dfd/gramian/tfjs, which stays on the backend', () => {
    const flat = [
      [1, -2, 3, -4, 0.5, 0],
      [-1, -1, 2, 4, -0.5, 0],
    ];
    const maps = asMaps(flat, [[2, 2], [2]]);
    const before = tf.memory().numTensors;
    const { update, G } = aggregateOnBackend(maps, gradDrop({ seed: 3 }));
    expect(G[1]).toBeCloseTo(-1 + 2 + 6 - 16 - 0.25, 5);
    const d = flatten(update);
    disposeAll(update);
    expect(tf.memory().numTensors).toBe(before);
    const host = gradDrop({ seed: 3 }).aggregate(flat.map((g) => Float64Array.from(g)));
    host.forEach((x, p) => expect(d[p]).toBeCloseTo(x, 6));
    disposeAll(...maps);
  });
});

describe('gradDrop: sign-consistency properties', () => {
  it('where all tasks agree in sign nothing is dropped (host and tensors)', () => {
    fc.assert(
      fc.property(hostProblems, fc.integer(), (J, seed) => {
        // flip every column to a common sign
        const n = J[0]!.length;
        const signs = Array.from({ length: n }, (_, p) => (p % 3 === 0 ? -1 : 1));
        const agreeing = J.map((g) => g.map((x, p) => Math.abs(x) * signs[p]!));
        const sum = signs.map((_, p) => agreeing.reduce((s, g) => s + g[p]!, 0));
        const d = gradDrop({ seed }).aggregate(agreeing.map((g) => Float64Array.from(g)));
        expect(Array.from(d)).toEqual(sum);
        const maps = asMaps(agreeing, [[n]]);
        const t = gradDrop({ seed }).aggregateTensors(maps);
        flatten(t).forEach((x, p) => expect(x).toBeCloseTo(sum[p]!, 4));
        disposeAll(t, ...maps);
      }),
      { numRuns: 100 },
    );
  });

  it('each output coordinate is the sum of the positive entries, of the negative ones, or 0', () => {
    fc.assert(
      fc.property(hostProblems, fc.integer(), (J, seed) => {
        const d = gradDrop({ seed }).aggregate(J.map((g) => Float64Array.from(g)));
        d.forEach((x, p) => {
          const col = J.map((g) => g[p]!);
          const pos = col.filter((v) => v > 0).reduce((s, v) => s + v, 0);
          const neg = col.filter((v) => v < 0).reduce((s, v) => s + v, 0);
          expect([pos, neg, 0]).toContain(x);
          if (x !== 0) expect(col.some((v) => Math.sign(v) === Math.sign(x))).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the positive part with probability P = ½(1 + Σg/Σ|g|): seed 12345, 20,000 coordinates per case, 4.5σ', () => {
    const cases: number[][] = [
      [1, -1], // P = 0.5
      [3, -1], // P = 0.75
      [0.2, -1.8], // P = 0.1
      [2, -0.5, -0.5], // P = 2/3
      [0.1, 0.2, -2.7], // P = 0.1
    ];
    const N = 20_000;
    const drop = gradDrop({ seed: 12345 });
    for (const col of cases) {
      const P = purity(col);
      const d = drop.aggregate(col.map((v) => new Float64Array(N).fill(v)));
      const pos = col.filter((v) => v > 0).reduce((s, v) => s + v, 0);
      const kept = d.reduce((s, x) => s + (x === pos ? 1 : 0), 0) / N;
      const sigma = Math.sqrt((P * (1 - P)) / N);
      expect(Math.abs(kept - P)).toBeLessThanOrEqual(4.5 * sigma);
    }
  });

  it('uses an injected uniform source: a constant draw u keeps the positive part exactly where P > u', () => {
    const constant: UniformSource = { next: (n) => new Float64Array(n).fill(0.6) };
    const J = [
      [3, 1, 1, -1],
      [-1, -1, -3, -1],
    ]; // P = 0.75, 0.5, 0.25, 0
    const d = gradDrop({ uniforms: constant }).aggregate(J.map((g) => Float64Array.from(g)));
    expect(Array.from(d)).toEqual([3, -1, -3, -2]);
  });
});

describe('gradDrop: options and edge cases', () => {
  it('is reproducible by seed, and reset() replays the draws', () => {
    const J = [
      Float64Array.from({ length: 50 }, (_, p) => Math.sin(p)),
      Float64Array.from({ length: 50 }, (_, p) => Math.cos(p)),
    ];
    const a = gradDrop({ seed: 9 });
    const first = [a.aggregate(J), a.aggregate(J)].map((d) => Array.from(d));
    expect(first[0]).not.toEqual(first[1]); // new draws each call
    a.reset();
    expect([a.aggregate(J), a.aggregate(J)].map((d) => Array.from(d))).toEqual(first);
    expect(Array.from(gradDrop({ seed: 9 }).aggregate(J))).toEqual(first[0]);
  });

  it('leak 1 never drops (plain sum); a per-task leak keeps that task whole', () => {
    const J = [Float64Array.of(1, -2, 3), Float64Array.of(-3, 2, -1)];
    expect(Array.from(gradDrop({ leak: 1 }).aggregate(J))).toEqual([-2, 0, 2]);
    for (let seed = 0; seed < 20; seed++) {
      const d = gradDrop({ seed, leak: [1, 0] }).aggregate(J);
      d.forEach((x, p) => {
        const other = J[1]![p]!;
        expect([J[0]![p]!, J[0]![p]! + other]).toContain(x);
      });
    }
  });

  it("'mean' divides the 'sum' update by K", () => {
    const J = [Float64Array.of(1, -2, 3), Float64Array.of(-3, 2, -1), Float64Array.of(1, 1, 1)];
    const sum = gradDrop({ seed: 4 }).aggregate(J);
    const mean = gradDrop({ seed: 4, reduction: 'mean' }).aggregate(J);
    mean.forEach((x, p) => expect(x).toBeCloseTo(sum[p]! / 3, 15));
  });

  it('K = 1 returns the gradient; zero gradients give zeros, never NaN (host and tensors)', () => {
    const g = Float64Array.of(1, -2, 0, 3e15, -1e-10);
    expect(Array.from(gradDrop().aggregate([g]))).toEqual(Array.from(g));
    const zeros = [new Float64Array(4), new Float64Array(4)];
    expect(Array.from(gradDrop().aggregate(zeros))).toEqual([0, 0, 0, 0]);
    const maps = asMaps(
      [
        [0, 0, 0],
        [0, 0, 0],
      ],
      [[3]],
    );
    const t = gradDrop().aggregateTensors(maps);
    expect(flatten(t)).toEqual([0, 0, 0]);
    disposeAll(t, ...maps);
  });

  it('scales with the gradients (1e-10..1e15): the same draws drop the same coordinates', () => {
    fc.assert(
      fc.property(hostProblems, fc.integer({ min: -33, max: 50 }), fc.integer(), (J, k, seed) => {
        const s = 2 ** k;
        const d = gradDrop({ seed }).aggregate(J.map((g) => Float64Array.from(g)));
        const ds = gradDrop({ seed }).aggregate(J.map((g) => Float64Array.from(g, (x) => x * s)));
        expect(Array.from(ds)).toEqual(Array.from(d, (x) => x * s));
      }),
      { numRuns: 200 },
    );
  });
});

describe('gradDrop: bad input', () => {
  it('host: typed errors naming the task', () => {
    expect(() => gradDrop().aggregate([])).toThrow(expect.objectContaining({ code: 'shape' }));
    expect(() => gradDrop().aggregate([new Float64Array(3), new Float64Array(2)])).toThrow(
      expect.objectContaining({ code: 'shape', task: 1 }),
    );
    expect(() => gradDrop().aggregate([Float64Array.of(1, 2), Float64Array.of(Number.NaN, 0)])).toThrow(
      expect.objectContaining({ code: 'non-finite', task: 1 }),
    );
    expect(() => gradDrop({ leak: [0, 0, 0] }).aggregate([Float64Array.of(1), Float64Array.of(2)])).toThrow(
      expect.objectContaining({ code: 'shape' }),
    );
  });

  it('tensors: mismatched maps and non-finite gradients are typed errors, and nothing leaks', () => {
    const a = { w: tf.tensor([1, 2]) };
    const b = { w: tf.tensor([1, 2, 3]) };
    const c = { w: tf.tensor([1, Number.POSITIVE_INFINITY]) };
    const before = tf.memory().numTensors;
    expect(() => gradDrop().aggregateTensors([a, b])).toThrow(
      expect.objectContaining({ code: 'shape', task: 1 }),
    );
    expect(() => gradDrop().aggregateTensors([a, c])).toThrow(
      expect.objectContaining({ code: 'non-finite', task: 1, parameter: 'w' }),
    );
    expect(tf.memory().numTensors).toBe(before);
    disposeAll(a, b, c);
  });

  it('rejects invalid options', () => {
    for (const leak of [-0.1, 1.5, Number.NaN]) {
      expect(() => gradDrop({ leak })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    }
    expect(() => gradDrop({ leak: [0, 2] })).toThrow(
      expect.objectContaining({ code: 'invalid-option', task: 1 }),
    );
    expect(() => gradDrop({ seed: Number.NaN })).toThrow(GramianError);
    expect(() => gradDrop({ reduction: 'avg' as never })).toThrow(/reduction/);
  });
});
