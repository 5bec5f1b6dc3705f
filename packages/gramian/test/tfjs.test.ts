import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { combine, cosine, type GramianError, gramMatrix, mean } from '../src/index.js';
import { aggregate, combineTensors, EmaCosineTracker, gramOfTensors } from '../src/tfjs.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shapes = fc.array(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 }), {
  minLength: 1,
  maxLength: 4,
});

function randomMaps(K: number, shapeList: number[][], seed: number) {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const host: Float64Array[] = [];
  const maps: tf.NamedTensorMap[] = [];
  for (let i = 0; i < K; i++) {
    const map: tf.NamedTensorMap = {};
    const flat: number[] = [];
    shapeList.forEach((shape, p) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const vals = Float32Array.from({ length: size }, () => rnd() * 4);
      flat.push(...vals);
      map[`w${p}`] = tf.tensor(vals, shape);
    });
    maps.push(map);
    host.push(Float64Array.from(flat));
  }
  return { host, maps };
}

describe('tfjs path equals the float64 host path', () => {
  it('gramOfTensors and combineTensors on random shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        shapes,
        fc.integer(),
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (K, shapeList, seed, ws) => {
          const before = tf.memory().numTensors;
          const { host, maps } = randomMaps(K, shapeList, seed);
          const Gt = gramOfTensors(maps);
          const Gh = gramMatrix(host);
          for (let e = 0; e < K * K; e++) {
            expect(Math.abs(Gt[e]! - Gh[e]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(Gh[e]!)));
          }
          const w = ws.slice(0, K);
          const dt = combineTensors(maps, w);
          const flat = Object.keys(maps[0]!).flatMap((k) => Array.from(dt[k]!.dataSync()));
          const dh = combine(host, w);
          flat.forEach((v, p) =>
            expect(Math.abs(v - dh[p]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(dh[p]!))),
          );
          for (const m of [...maps, dt]) for (const t of Object.values(m)) t.dispose();
          expect(tf.memory().numTensors).toBe(before);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('aggregate returns the mean gradient, its diagnostics, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const g0 = { a: tf.tensor([-4, 1]), b: tf.tensor([1]) };
    const g1 = { a: tf.tensor([6, 1]), b: tf.tensor([1]) };
    const r = aggregate([g0, g1], mean());
    expect(Array.from(r.update.a!.dataSync())).toEqual([1, 1]);
    expect(Array.from(r.weights)).toEqual([0.5, 0.5]);
    expect(r.diagnostics.conflicts).toEqual([[0, 1]]);
    for (const m of [g0, g1, r.update]) for (const t of Object.values(m)) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs a host-only vector aggregator and maps its output back to the parameter shapes', () => {
    const before = tf.memory().numTensors;
    // keeps, per coordinate, the entry of larger magnitude: a vector-level rule no Gram matrix expresses
    const maxAbs = {
      name: 'max-abs',
      kind: 'vector' as const,
      aggregate: (gs: readonly Float64Array[]) =>
        gs[0]!.map((v, p) => (Math.abs(v) >= Math.abs(gs[1]![p]!) ? v : gs[1]![p]!)),
    };
    const g0 = { a: tf.tensor([[1, -5]]), b: tf.tensor([0.5]) };
    const g1 = { a: tf.tensor([[-3, 2]]), b: tf.tensor([-0.25]) };
    const r = aggregate([g0, g1], maxAbs);
    expect(r.update.a!.shape).toEqual([1, 2]);
    expect(Array.from(r.update.a!.dataSync())).toEqual([-3, -5]);
    expect(Array.from(r.update.b!.dataSync())).toEqual([0.5]);
    for (const m of [g0, g1, r.update]) for (const t of Object.values(m)) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the task and parameter holding NaN', () => {
    const g0 = { a: tf.tensor([1, 2]), b: tf.tensor([1]) };
    const g1 = { a: tf.tensor([1, 2]), b: tf.tensor([Number.NaN]) };
    try {
      gramOfTensors([g0, g1], ['orig', 'syn']);
      expect.unreachable();
    } catch (e) {
      const err = e as GramianError;
      expect(err.code).toBe('non-finite');
      expect(err.task).toBe(1);
      expect(err.parameter).toBe('b');
      expect(err.message).toMatch(/syn.*"b"/);
    }
  });

  it('rejects mismatched parameter sets and shapes', () => {
    const a = { x: tf.zeros([2]) };
    expect(() => gramOfTensors([a, { y: tf.zeros([2]) }])).toThrow(/no gradient for parameter "x"/);
    expect(() => gramOfTensors([a, { x: tf.zeros([3]) }])).toThrow(/shape/);
  });
});

describe('EmaCosineTracker', () => {
  it('averages noise out: noisy copies of two orthogonal directions end near cosine 0', () => {
    const tracker = new EmaCosineTracker(0.95);
    let last: number[] = [];
    let s = 7;
    const rnd = () => {
      s = (s * 69069 + 1) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    for (let t = 0; t < 200; t++) {
      const noise = () => Array.from({ length: 64 }, () => rnd() * 8);
      const base0 = Array.from({ length: 64 }, (_, p) => (p < 32 ? 1 : 0));
      const base1 = Array.from({ length: 64 }, (_, p) => (p >= 32 ? 1 : 0));
      const n0 = noise();
      const n1 = noise();
      const g0 = { p: tf.tensor(base0.map((v, p) => v + n0[p]!)) };
      const g1 = { p: tf.tensor(base1.map((v, p) => v + n1[p]!)) };
      last = tracker.update([g0, g1]);
      tf.dispose([g0.p, g1.p]);
    }
    expect(Math.abs(last[1]!)).toBeLessThan(0.35);
    expect(tracker.count).toBe(200);
    tracker.dispose();
  });
});

/**
 * Float64 host reference: m_i ← β m_i + (1 − β) g_i (m_i = g_i at the first step), then cos(m_i, m_j), with the
 * EMA norms (a cosine of a nearly cancelled EMA is ill-conditioned, so the comparison skips those).
 */
function hostEmaCosines(steps: number[][][], beta: number): Array<{ cos: number[]; norms: number[] }> {
  let ema: number[][] | null = null;
  return steps.map((grads) => {
    const prev = ema;
    ema = grads.map((g, i) =>
      prev === null ? [...g] : g.map((v, p) => beta * prev[i]![p]! + (1 - beta) * v),
    );
    const m = ema;
    return { cos: m.flatMap((a) => m.map((b) => cosine(a, b))), norms: m.map((a) => Math.hypot(...a)) };
  });
}

/** Hand-made gradient sequences: K tasks, T steps, P entries split into two parameters; some steps all-zero. */
const sequences = fc
  .record({
    K: fc.integer({ min: 1, max: 3 }),
    T: fc.integer({ min: 1, max: 6 }),
    P: fc.integer({ min: 2, max: 6 }),
    beta: fc.double({ min: 0, max: 0.99, noNaN: true }),
  })
  .chain(({ K, T, P, beta }) =>
    fc.record({
      beta: fc.constant(beta),
      P: fc.constant(P),
      steps: fc.array(
        fc.array(fc.array(fc.integer({ min: -8, max: 8 }), { minLength: P, maxLength: P }), {
          minLength: K,
          maxLength: K,
        }),
        { minLength: T, maxLength: T },
      ),
    }),
  );

/** The hand-made gradients as two parameters ("a": the first entry, "b": the rest as a column). */
function asMaps(grads: number[][]): tf.NamedTensorMap[] {
  return grads.map((g) => ({ a: tf.tensor1d(g.slice(0, 1)), b: tf.tensor2d(g.slice(1), [g.length - 1, 1]) }));
}

describe('EmaCosineTracker against a float64 host computation', () => {
  it('gives the host cosines of the EMAs at every step', () => {
    fc.assert(
      fc.property(sequences, ({ beta, steps }) => {
        const tracker = new EmaCosineTracker(beta);
        const expected = hostEmaCosines(steps, beta);
        const K = steps[0]!.length;
        const before = tf.memory().numTensors;
        steps.forEach((grads, t) => {
          const maps = asMaps(grads);
          const got = tracker.update(maps);
          maps.forEach((m) => tf.dispose(Object.values(m)));
          const { cos, norms } = expected[t]!;
          got.forEach((c, e) => {
            // float32 EMAs of integers up to 8: rounding ~1e-6 relative to 8; a cosine divides it by the EMA norms
            if (Math.min(norms[Math.floor(e / K)]!, norms[e % K]!) < 0.1) return;
            expect(Math.abs(c - cos[e]!), `step ${t} entry ${e}: ${c} vs ${cos[e]}`).toBeLessThan(2e-4);
          });
        });
        expect(tracker.count).toBe(steps.length);
        tracker.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 60 },
    );
  });

  it('zero gradients give cosine 0, never NaN, and the EMA remembers earlier directions', () => {
    const tracker = new EmaCosineTracker(0.5);
    const steps = [
      [
        [0, 0, 0],
        [0, 0, 0],
      ],
      [
        [1, 0, 0],
        [0, 0, 0],
      ],
      [
        [0, 0, 0],
        [1, 1, 0],
      ],
    ];
    const got = steps.map((g) => {
      const maps = asMaps(g);
      const c = tracker.update(maps);
      maps.forEach((m) => tf.dispose(Object.values(m)));
      return c;
    });
    // EMAs: (0, 0), (0.5e1, 0), (0.25e1, 0.5(e1+e2)): cos = 1/sqrt(2) at the last step
    expect(got[0]).toEqual([0, 0, 0, 0]);
    expect(got[1]).toEqual([1, 0, 0, 0]);
    expect(got[2]![1]).toBeCloseTo(Math.SQRT1_2, 6);
    tracker.dispose();
  });

  it('snapshot + restore into a fresh tracker continues bit for bit, and the snapshot is a copy', () => {
    fc.assert(
      fc.property(sequences, fc.nat(), ({ beta, steps }, cut) => {
        const at = cut % (steps.length + 1);
        const straight = new EmaCosineTracker(beta);
        const first = new EmaCosineTracker(beta);
        const out: number[][] = [];
        const resumed: number[][] = [];
        const before = tf.memory().numTensors;
        steps.forEach((grads, t) => {
          const maps = asMaps(grads);
          out.push(straight.update(maps));
          if (t < at) first.update(maps);
          maps.forEach((m) => tf.dispose(Object.values(m)));
        });
        const snap = first.snapshot();
        first.dispose(); // the snapshot must not share tensors with the tracker
        const second = new EmaCosineTracker(beta);
        second.restore(snap);
        snap.ema.forEach((m) => tf.dispose(Object.values(m)));
        expect(second.count).toBe(at);
        steps.slice(at).forEach((grads) => {
          const maps = asMaps(grads);
          resumed.push(second.update(maps));
          maps.forEach((m) => tf.dispose(Object.values(m)));
        });
        expect(resumed).toEqual(out.slice(at));
        straight.dispose();
        second.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 40 },
    );
  });

  it('restore rejects inconsistent snapshots with invalid-state, update rejects a changed layout', () => {
    const t = new EmaCosineTracker();
    const x = { p: tf.zeros([2]) };
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return `${(e as GramianError).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(code(() => t.restore({ count: 2, ema: [] }))).toMatch(/^invalid-state: .*count 2 with 0 EMA maps/);
    expect(code(() => t.restore({ count: -1, ema: [] }))).toMatch(
      /^invalid-state: .*count must be an integer/,
    );
    expect(code(() => t.restore({ count: 1, ema: [x, { q: tf.zeros([2]) }] }))).toMatch(
      /^invalid-state: .*no gradient for parameter "p"/,
    );
    t.restore({ count: 3, ema: [x, x] });
    expect(code(() => t.update([x]))).toMatch(/^shape: .*got 1 tasks, tracking 2/);
    expect(code(() => t.update([{ p: tf.zeros([3]) }, { p: tf.zeros([3]) }]))).toMatch(
      /^shape: .*"p" is tracked with shape \[2\], got shape \[3\]/,
    );
    t.dispose();
  });
});
