// Large-batch diagnostics (DESIGN §3.2): the accumulated gradient is exactly the mean of its chunk gradients, the
// cosines and reliabilities equal a float64 host computation from separately computed chunk gradients, a duplicated
// chunk has split-half reliability 1, the correction formula holds on hand-made numbers and on a noise model, and a
// pass leaves the weights, BatchNorm's moving statistics and the tensor count untouched.
import { initBackend } from '@cs-dfd/backend';
import type { Batch, BatchLoader, SubBatch } from '@cs-dfd/data';
import { createDetector, type Detector } from '@cs-dfd/detectors';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  correctedCosine,
  diagnosticsSeed,
  diagnosticsSummary,
  LargeBatchAccumulator,
  largeBatchDiagnostics,
  largeBatchDue,
  largeBatchPlan,
  largeBatchSteps,
  packBatch,
  planMethod,
  resolveConfig,
  type StepData,
  spearmanBrown,
} from '../src/index.js';

let detector: Detector;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  detector = createDetector({
    seed: 3,
    backbone: { kind: 'small-cnn', channels: [4, 8] },
    inputSize: 12,
    projectionDim: 8,
  } as Parameters<typeof createDetector>[0]);
});
afterAll(() => detector.dispose());

const S = 12;
const per = S * S * 3;

/** A packed chunk like packBatch's: B reals, then B fakes of each of two sources, random pixels from `seed`. */
function chunk(seed: number, B = 3): StepData {
  const rng = new Rng(seed);
  const n = 3 * B;
  const images = Float32Array.from({ length: n * per }, () => rng.next());
  const labels = Float32Array.from({ length: n }, (_, i) => (i < B ? 0 : 1));
  const reals = Array.from({ length: B }, (_, i) => i);
  return {
    images,
    size: S,
    reals: B,
    rows: [
      [...reals, ...Array.from({ length: B }, (_, i) => B + i)],
      [...reals, ...Array.from({ length: B }, (_, i) => 2 * B + i)],
    ],
    labels,
  };
}

/** Per-source gradients of one chunk, computed on their own (float64 host copies in variable order). */
function chunkGradients(data: StepData): Float64Array[] {
  const vars = detector.trainableVariables();
  return data.rows.map((rows) => {
    let out = new Float64Array(0);
    tf.tidy(() => {
      const x = tf.tensor4d(
        Float32Array.from(rows.flatMap((r) => Array.from(data.images.subarray(r * per, (r + 1) * per)))),
        [rows.length, S, S, 3],
      );
      const y = tf.tensor1d(rows.map((r) => data.labels[r]!));
      const { value, grads } = tf.variableGrads(
        () => detector.loss(x, y, true, { updateStats: false }),
        vars,
      );
      value.dispose();
      out = Float64Array.from(vars.flatMap((v) => Array.from(grads[v.name]!.dataSync())));
    });
    return out;
  });
}

/** A gradient map flattened in `trainableVariables()` order, as chunkGradients flattens. */
const flat = (m: tf.NamedTensorMap) =>
  Float64Array.from(detector.trainableVariables().flatMap((v) => Array.from(m[v.name]!.dataSync())));
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const add = (a: Float64Array, b: Float64Array) => a.map((x, i) => x + b[i]!);
const cos = (a: Float64Array, b: Float64Array) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
const snapshot = (vs: tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));

describe('LargeBatchAccumulator', () => {
  it('the large-batch gradient is the mean of the chunk gradients computed separately (chunking is exact)', () => {
    const chunks = [chunk(1), chunk(2), chunk(3), chunk(4)];
    const acc = new LargeBatchAccumulator(detector, ['original', 'synthesized']);
    chunks.forEach((c, i) => acc.add(c, i < 2 ? 0 : 1));
    const means = acc.meanGradients();
    const separate = chunks.map(chunkGradients);
    for (let k = 0; k < 2; k++) {
      const want = separate
        .map((g) => g[k]!)
        .reduce(add)
        .map((x) => x / chunks.length);
      const got = flat(means[k]!);
      expect(got.length).toBe(want.length);
      const scale = Math.max(...want.map(Math.abs));
      for (let p = 0; p < want.length; p++) expect(Math.abs(got[p]! - want[p]!)).toBeLessThan(1e-5 * scale);
      // A different chunk set gives a different gradient: the comparison above can fail.
      expect(Math.abs(cos(got, separate[0]![k]!))).toBeLessThan(1 - 1e-4);
    }
    for (const m of means) tf.dispose(Object.values(m));
    acc.dispose();
  });

  it('cosines, split halves and reliabilities equal a float64 host computation from the chunk gradients', () => {
    const chunks = [chunk(11), chunk(12), chunk(13), chunk(14), chunk(15), chunk(16)];
    const acc = new LargeBatchAccumulator(detector, ['original', 'synthesized']);
    chunks.forEach((c, i) => acc.add(c, i < 3 ? 0 : 1));
    const r = acc.result();
    acc.dispose();
    const g = chunks.map(chunkGradients);
    const half = (k: number, h: number) =>
      g
        .slice(3 * h, 3 * h + 3)
        .map((x) => x[k]!)
        .reduce(add);
    for (let k = 0; k < 2; k++) {
      const a = half(k, 0);
      const b = half(k, 1);
      const rHost = cos(a, b);
      expect(r.splitHalf[k]).toBeCloseTo(rHost, 5);
      // Spearman–Brown written out here rather than through spearmanBrown()
      expect(r.reliability[k]).toBeCloseTo(rHost > 0 ? (2 * rHost) / (1 + rHost) : 0, 5);
      const whole = add(a, b);
      expect(r.gradNorms[k]).toBeCloseTo(Math.sqrt(dot(whole, whole)) / 6, 6);
    }
    const cross = cos(add(half(0, 0), half(0, 1)), add(half(1, 0), half(1, 1)));
    expect(r.cosine).toBeCloseTo(cross, 5);
    const rel = [0, 1].map((k) => {
      const x = cos(half(k, 0), half(k, 1));
      return (2 * x) / (1 + x);
    });
    const want = rel.every((x) => x > 0)
      ? Math.max(-1, Math.min(1, cross / Math.sqrt(rel[0]! * rel[1]!)))
      : null;
    if (want === null) expect(r.corrected).toBeNull();
    else expect(r.corrected).toBeCloseTo(want, 4);
  });

  it('a deterministic duplicate (both halves the same samples) has split-half reliability 1, corrected = cosine', () => {
    const acc = new LargeBatchAccumulator(detector, ['original', 'synthesized']);
    for (const h of [0, 1] as const) {
      acc.add(chunk(21), h);
      acc.add(chunk(22), h);
    }
    const r = acc.result();
    acc.dispose();
    for (let k = 0; k < 2; k++) {
      expect(r.splitHalf[k]).toBeCloseTo(1, 6);
      expect(r.reliability[k]).toBeCloseTo(1, 6);
    }
    expect(r.corrected).toBeCloseTo(r.cosine!, 5);
  });

  it('leaves weights and BatchNorm moving statistics untouched, and no tensors behind', () => {
    const w = snapshot(detector.trainableVariables());
    const stats = snapshot(detector.stateVariables());
    expect(stats.length).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    for (let pass = 0; pass < 3; pass++) {
      const acc = new LargeBatchAccumulator(detector, ['original', 'synthesized']);
      acc.add(chunk(31 + pass), 0);
      acc.add(chunk(41 + pass), 1);
      acc.result();
      acc.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(snapshot(detector.trainableVariables())).toEqual(w);
    expect(snapshot(detector.stateVariables())).toEqual(stats);
  });

  it('one source (orig-only / syn-only): split half and reliability, no cross cosine', () => {
    const acc = new LargeBatchAccumulator(detector, ['original']);
    const c = chunk(51);
    acc.add({ ...c, rows: [c.rows[0]!] }, 0);
    acc.add({ ...chunk(52), rows: [chunk(52).rows[0]!] }, 1);
    const r = acc.result();
    acc.dispose();
    expect(r.splitHalf).toHaveLength(1);
    expect(r.cosine).toBeUndefined();
    expect(r.corrected).toBeUndefined();
  });

  it('refuses a result with an empty half and a chunk for other sources', () => {
    const acc = new LargeBatchAccumulator(detector, ['original', 'synthesized']);
    acc.add(chunk(61), 0);
    expect(() => acc.result()).toThrow(/both halves need chunks, got 1 and 0/);
    const c = chunk(62);
    expect(() => acc.add({ ...c, rows: [c.rows[0]!] }, 1)).toThrow(
      /rows for 1 sources, the accumulator tracks 2 \(original, synthesized\)/,
    );
    expect(acc.chunkCounts).toEqual([1, 0]);
    acc.dispose();
  });
});

describe('Spearman–Brown and the corrected cosine (host float64)', () => {
  it('hand-made numbers', () => {
    expect(spearmanBrown(0.5)).toBeCloseTo(2 / 3, 15);
    expect(spearmanBrown(1)).toBe(1);
    expect(spearmanBrown(0.2)).toBeCloseTo(0.4 / 1.2, 15);
    expect(spearmanBrown(0)).toBe(0);
    expect(spearmanBrown(-0.4)).toBe(0);
    expect(spearmanBrown(Number.NaN)).toBe(0);
    // 0.3 / sqrt(0.5 · 0.8) = 0.3 / 0.632455532 = 0.474341649
    expect(correctedCosine(0.3, 0.5, 0.8)).toBeCloseTo(0.474341649, 9);
    expect(correctedCosine(-0.2, 0.25, 0.64)).toBeCloseTo(-0.5, 15);
    expect(correctedCosine(0.9, 0.5, 0.5)).toBe(1);
    expect(correctedCosine(-0.9, 0.5, 0.5)).toBe(-1);
    expect(correctedCosine(0.4, 0, 0.9)).toBeNull();
    expect(correctedCosine(0.4, 0.9, -0.1)).toBeNull();
    expect(correctedCosine(Number.NaN, 0.9, 0.9)).toBeNull();
    // Noise-dominated sources: no correction (it would turn noise into a confident-looking number). Tiny
    // reliabilities once gave 0 / 0 = NaN here (found by the property below).
    expect(correctedCosine(0.35, 0.9, 0.008)).toBeNull();
    expect(correctedCosine(0, 1e-200, 1e-200)).toBeNull();
    expect(correctedCosine(0.5, 5e-324, 5e-324)).toBeNull();
    expect(correctedCosine(0.1, 0.2, 0.2)).toBeCloseTo(0.5, 15); // at the threshold: 0.1 / 0.2
    expect(correctedCosine(0.1, 0.2, 0.19999)).toBeNull();
  });

  it('properties: in [-1, 1], the sign of the cross cosine, the identity at reliability 1, never NaN', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (c, ra, rb) => {
          const [a, b] = [spearmanBrown(ra), spearmanBrown(rb)];
          expect(a >= 0 && a <= 1 && b >= 0 && b <= 1).toBe(true);
          if (ra > 0) expect(a).toBeGreaterThanOrEqual(ra - 1e-15);
          const k = correctedCosine(c, a, b);
          if (a >= 0.2 && b >= 0.2) {
            expect(k).not.toBeNull();
            expect(k! >= -1 && k! <= 1).toBe(true);
            expect(Math.sign(k!)).toBe(Math.sign(c));
            expect(Math.abs(k!)).toBeGreaterThanOrEqual(Math.min(1, Math.abs(c)) - 1e-15);
          } else expect(k).toBeNull();
          expect(correctedCosine(c, 1, 1)).toBe(c);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('on the noise model g = s + n it recovers cos(s_a, s_b) from noisy halves (host simulation)', () => {
    // Two signals with cosine -0.3 in P = 4000 dimensions; each half gradient adds independent noise of 1.5× the
    // signal's norm, so the raw large-batch cosine is attenuated to about -0.3 · 0.47 and the correction undoes it.
    const P = 4000;
    const rng = new Rng(7);
    const normal = () => rng.normal();
    const sa = Float64Array.from({ length: P }, normal);
    const u = Float64Array.from({ length: P }, normal);
    const ua = cos(u, sa) * Math.sqrt(dot(u, u) / dot(sa, sa));
    const orth = u.map((x, i) => x - ua * sa[i]!);
    const scaleO = Math.sqrt(dot(sa, sa) / dot(orth, orth));
    const sb = sa.map((x, i) => -0.3 * x + Math.sqrt(1 - 0.09) * scaleO * orth[i]!);
    expect(cos(sa, sb)).toBeCloseTo(-0.3, 10);
    const noisy = (s: Float64Array) => s.map((x) => x + 1.5 * normal());
    const [a1, a2, b1, b2] = [noisy(sa), noisy(sa), noisy(sb), noisy(sb)];
    const relA = spearmanBrown(cos(a1, a2));
    const relB = spearmanBrown(cos(b1, b2));
    const raw = cos(add(a1, a2), add(b1, b2));
    expect(Math.abs(raw)).toBeLessThan(0.2);
    expect(correctedCosine(raw, relA, relB)).toBeCloseTo(-0.3, 1);
  });
});

describe('large-batch schedule', () => {
  const base = { train: { batchSize: 8, evalEvery: 50 } };
  it('defaults: every 300 steps, 128 samples per source = 8 chunks of 8 reals + 8 fakes', () => {
    expect(largeBatchPlan(resolveConfig(base))).toEqual({ every: 300, chunks: 8 });
    const p = largeBatchPlan(
      resolveConfig({ ...base, diagnostics: { largeBatchSize: 256, largeBatchEvery: 50 } }),
    );
    expect(p).toEqual({ every: 50, chunks: 16 });
    expect([49, 50, 99, 100, 137].map((d) => largeBatchDue(p, d, 137))).toEqual([
      false,
      true,
      false,
      true,
      true,
    ]);
  });
  it('chunks round up to an even count; 0 turns the pass off; its loader steps are its own', () => {
    expect(largeBatchPlan(resolveConfig({ ...base, diagnostics: { largeBatchSize: 9 } })).chunks).toBe(2);
    expect(largeBatchPlan(resolveConfig({ ...base, diagnostics: { largeBatchSize: 40 } })).chunks).toBe(4);
    // Half as many fakes of one source: its sub-batch is 8 + 4, so 256 samples need ceil(256 / 12) = 22 chunks.
    const half = resolveConfig({
      ...base,
      sources: { synthesized: 0.5 },
      diagnostics: { largeBatchSize: 256 },
    });
    expect(largeBatchPlan(half).chunks).toBe(22);
    expect(largeBatchPlan(half, ['original']).chunks).toBe(16);
    const off = largeBatchPlan(resolveConfig({ ...base, diagnostics: { largeBatchEvery: 0 } }));
    expect([1, 50, 300].some((d) => largeBatchDue(off, d, 300))).toBe(false);
    const p = { every: 10, chunks: 4 };
    expect(largeBatchSteps(p, 10)).toEqual([40, 41, 42, 43]);
    expect(largeBatchSteps(p, 20)).toEqual([80, 81, 82, 83]);
    expect(diagnosticsSeed(0)).not.toBe(0);
    expect(diagnosticsSeed(diagnosticsSeed(5))).toBe(5);
  });
  it('config: bad values name the key', () => {
    expect(() => resolveConfig({ diagnostics: { largeBatchEvery: -1 } })).toThrow(
      /diagnostics\.largeBatchEvery/,
    );
    expect(() => resolveConfig({ diagnostics: { largeBatchSize: 0 } })).toThrow(
      /diagnostics\.largeBatchSize/,
    );
    expect(() => resolveConfig({ diagnostics: { emaBeta: 1 } })).toThrow(/diagnostics\.emaBeta/);
    expect(() => resolveConfig({ diagnostics: { every: 3 } })).toThrow(/unknown key 'diagnostics\.every'/);
    expect(resolveConfig({}).diagnostics).toEqual({
      emaBeta: 0.9,
      largeBatchEvery: 300,
      largeBatchSize: 128,
    });
  });
});

/** A loader-shaped batch for step `s`: B reals, B fakes per source, random pixels from the step. */
function loaderBatch(s: number, B: number, poison = false): Batch {
  const rng = new Rng(1000 + s);
  const reals = Float32Array.from({ length: B * per }, () => rng.next());
  const sub = (source: 'original' | 'synthesized'): SubBatch => {
    const images = new Float32Array(2 * B * per);
    images.set(reals, 0);
    for (let p = B * per; p < 2 * B * per; p++) images[p] = rng.next();
    if (poison && source === 'synthesized') images[images.length - 1] = Number.NaN;
    return {
      source,
      images,
      shape: [2 * B, S, S, 3],
      labels: Float32Array.from({ length: 2 * B }, (_, i) => (i < B ? 0 : 1)),
      kinds: Array.from({ length: 2 * B }, (_, i) => (i < B ? 'real' : source)),
      videoIds: Array.from({ length: 2 * B }, (_, i) => `v${i}`),
    };
  };
  return { step: s, sources: { original: sub('original'), synthesized: sub('synthesized') } };
}

describe('largeBatchDiagnostics (one pass)', () => {
  const config = resolveConfig({
    train: { batchSize: 3 },
    diagnostics: { largeBatchSize: 24, largeBatchEvery: 5 },
    detector: { backbone: { kind: 'small-cnn', channels: [4, 8] }, inputSize: S, projectionDim: 8 },
  });
  const plan = planMethod(config);
  const schedule = largeBatchPlan(config, plan.sources);
  const fakeLoader = (make: (s: number) => Promise<Batch>) => {
    const built: number[] = [];
    const loader = {
      build: (s: number) => {
        built.push(s);
        return make(s);
      },
    } as unknown as BatchLoader;
    return { loader, built };
  };

  it('builds its own loader steps, splits them in halves and equals the accumulator on the same chunks', async () => {
    expect(schedule.chunks).toBe(4); // 24 samples / (3 reals + 3 fakes) per chunk
    const { loader, built } = fakeLoader(async (s) => loaderBatch(s, 3));
    const before = tf.memory().numTensors;
    const d = await largeBatchDiagnostics(detector, plan, config, loader, schedule, 10);
    expect(tf.memory().numTensors).toBe(before);
    expect(built).toEqual([40, 41, 42, 43]);
    expect(d).toMatchObject({
      type: 'diagnostics',
      step: 10,
      chunks: 4,
      samples: { original: 24, synthesized: 24 },
    });
    const acc = new LargeBatchAccumulator(detector, plan.sources);
    [40, 41, 42, 43].forEach((s, c) => acc.add(packBatch(loaderBatch(s, 3), plan, config), c < 2 ? 0 : 1));
    const r = acc.result();
    acc.dispose();
    expect(d.cosine).toBe(r.cosine);
    expect(d.corrected).toBe(r.corrected);
    expect(d.splitHalf).toEqual({ original: r.splitHalf[0], synthesized: r.splitHalf[1] });
    expect(d.reliability).toEqual({ original: r.reliability[0], synthesized: r.reliability[1] });
    expect(d.ms).toBeGreaterThan(0);
    expect(diagnosticsSummary({ ...d, cosine: 0.41234, corrected: null, ms: 6012 })).toBe(
      `step 10: large-batch cos 0.412 (corrected n/a), split-half ${d.splitHalf.original!.toFixed(2)}/${d.splitHalf.synthesized!.toFixed(2)} (6.0 s)`,
    );
  });

  it('a non-finite chunk gives a line with the reason and no numbers; a failed load rejects; no tensors left', async () => {
    const before = tf.memory().numTensors;
    const nan = fakeLoader(async (s) => loaderBatch(s, 3, s === 42));
    const d = await largeBatchDiagnostics(detector, plan, config, nan.loader, schedule, 10);
    expect(d.reason).toMatch(/\("synthesized, split half 2"\): gradient of ".+" contains NaN or Inf/);
    expect(d.cosine).toBeUndefined();
    expect(d.splitHalf).toEqual({});
    expect(diagnosticsSummary(d)).toMatch(/^step 10: large-batch diagnostics not finite \(task 3/);
    const broken = fakeLoader(async (s) => {
      if (s === 41) throw new Error('unreadable frame x.png');
      return loaderBatch(s, 3);
    });
    await expect(largeBatchDiagnostics(detector, plan, config, broken.loader, schedule, 10)).rejects.toThrow(
      /unreadable frame x\.png/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
