import { initBackend } from '@cs-dfd/backend';
import type { Batch, SubBatch } from '@cs-dfd/data';
import { createDetector } from '@cs-dfd/detectors';
import { cosine } from '@cs-dfd/gramian';
import { EmaCosineTracker, type GradientMaps } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  learningRate,
  makeOptimizer,
  packBatch,
  planMethod,
  resolveConfig,
  runStep,
  stepsFor,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const S = 16;
const per = S * S * 3;

/** A loader-shaped batch: B reals (pixel value 0.1·i) then B fakes (source-coded pixel values). */
function fakeBatch(B: number): Batch {
  const sub = (source: 'original' | 'synthesized', base: number): SubBatch => {
    const images = new Float32Array(2 * B * per);
    for (let i = 0; i < 2 * B; i++)
      images.fill(i < B ? 0.01 * i : base + 0.01 * (i - B), i * per, (i + 1) * per);
    return {
      source,
      images,
      shape: [2 * B, S, S, 3],
      labels: Float32Array.from({ length: 2 * B }, (_, i) => (i < B ? 0 : 1)),
      kinds: Array.from({ length: 2 * B }, (_, i) => (i < B ? 'real' : source)),
      videoIds: Array.from({ length: 2 * B }, (_, i) => `v${i}`),
    };
  };
  return { step: 0, sources: { original: sub('original', 0.5), synthesized: sub('synthesized', 0.8) } };
}

describe('learning-rate schedule', () => {
  const c = resolveConfig({
    optimizer: { lr: 0.1 },
    schedule: { kind: 'cosine', warmup: 4, minFactor: 0.1 },
    train: { steps: 14 },
  });
  it('warms up linearly, starts the cosine at lr and ends at minFactor·lr', () => {
    expect(learningRate(c, 0)).toBeCloseTo(0.1 / 5, 12);
    expect(learningRate(c, 3)).toBeCloseTo(0.4 / 5, 12);
    expect(learningRate(c, 4)).toBeCloseTo(0.1, 12);
    // halfway through the decay (step 4 + 9/2): lr·(0.1 + 0.9·0.5)
    expect(learningRate(c, 13)).toBeCloseTo(0.01, 12);
  });
  it('is constant after warm-up for kind constant', () => {
    const k = resolveConfig({ optimizer: { lr: 0.3 }, schedule: { kind: 'constant', warmup: 0 } });
    expect([0, 7, 299].map((s) => learningRate(k, s))).toEqual([0.3, 0.3, 0.3]);
  });
});

describe('train.epochs', () => {
  it('turns passes over the reals into steps, rounding up; without it train.steps stands', () => {
    expect(stepsFor(resolveConfig({ train: { epochs: 3, batchSize: 8 } }), 528)).toBe(198);
    expect(stepsFor(resolveConfig({ train: { epochs: 0.5, batchSize: 3 } }), 8)).toBe(2);
    expect(stepsFor(resolveConfig({ train: { steps: 7 } }), 528)).toBe(7);
  });
});

describe('packBatch', () => {
  it('keeps the reals once, then each source fakes at its ratio; rows list each source reals + fakes', () => {
    const c = resolveConfig({ train: { batchSize: 4 }, sources: { original: 1, synthesized: 0.5 } });
    const d = packBatch(fakeBatch(4), planMethod(c), c);
    expect(d.reals).toBe(4);
    expect(Array.from(d.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(d.rows).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3, 8, 9],
    ]);
    const px = (row: number) => d.images[row * per]!;
    expect([0, 3, 4, 7, 8, 9].map(px).map((v) => Number(v.toFixed(4)))).toEqual([
      0, 0.03, 0.5, 0.53, 0.8, 0.81,
    ]);
  });
  it('orig-only uses the original sub-batch alone', () => {
    const c = resolveConfig({ train: { batchSize: 2 }, method: { name: 'orig-only' } });
    const d = packBatch(fakeBatch(2), planMethod(c), c);
    expect(d.rows).toEqual([[0, 1, 2, 3]]);
    expect(d.images[2 * per]).toBeCloseTo(0.5, 6);
  });
});

describe('non-finite guard', () => {
  for (const cgr of [true, false]) {
    it(`a NaN pixel skips the step and leaves weights and optimizer untouched (CGR ${cgr ? 'on' : 'off'})`, async () => {
      const c = resolveConfig({
        train: { batchSize: 2 },
        cgr: { enabled: cgr },
        detector: { backbone: { kind: 'small-cnn', channels: [4] }, inputSize: S, projectionDim: 4 },
      });
      const plan = planMethod(c);
      const det = createDetector({ ...c.detector, seed: 3 } as Parameters<typeof createDetector>[0]);
      const opt = makeOptimizer(c);
      const good = packBatch(fakeBatch(2), plan, c);
      runStep(det, opt, plan, c, good, 0, 1e-3); // creates Adam's slots, so the count below is steady
      const before = new Map([...det.namedWeights()].map(([k, v]) => [k, v.dataSync().slice()]));
      const iterations = (opt as unknown as { iterations: number }).iterations;
      const tensors = tf.memory().numTensors;
      const bad = packBatch(fakeBatch(2), plan, c);
      bad.images[5 * per + 7] = Number.NaN; // one pixel of one synthesized fake
      const { record } = runStep(det, opt, plan, c, bad, 1, 1e-3);
      expect(record.skipped).toBe(true);
      expect(record.reason).toMatch(/not finite|NaN|non-finite/i);
      for (const [k, v] of det.namedWeights()) expect(v.dataSync()).toEqual(before.get(k));
      expect((opt as unknown as { iterations: number }).iterations).toBe(iterations);
      expect(tf.memory().numTensors).toBe(tensors);
      const next = runStep(det, opt, plan, c, good, 2, 1e-3);
      expect(next.record.skipped).toBe(false);
      expect(tf.memory().numTensors).toBe(tensors);
      det.dispose();
      opt.dispose();
    });
  }
});

/** A tracker that also keeps host float64 copies of what it is fed, one flat vector per source per step. */
class RecordingTracker extends EmaCosineTracker {
  fed: Float64Array[][] = [];
  keys: string[][] = [];
  override update(grads: GradientMaps): number[] {
    this.keys.push(Object.keys(grads[0]!));
    this.fed.push(
      grads.map((g) => Float64Array.from(Object.values(g).flatMap((t) => Array.from(t.dataSync())))),
    );
    return super.update(grads);
  }
}

describe('emaCosine and the first-order decrease in the step record', () => {
  for (const cgr of [true, false]) {
    it(`equal the float64 EMA cosine and <g_i, d> of the handed-over gradients, whose minibatch cosine is the record's (CGR ${cgr ? 'on' : 'off'})`, () => {
      const c = resolveConfig({
        train: { batchSize: 2 },
        cgr: { enabled: cgr },
        detector: { backbone: { kind: 'small-cnn', channels: [4] }, inputSize: S, projectionDim: 4 },
      });
      const plan = planMethod(c);
      const det = createDetector({ ...c.detector, seed: 5 } as Parameters<typeof createDetector>[0]);
      const opt = makeOptimizer(c);
      const beta = 0.75;
      const tracker = new RecordingTracker(beta);
      const records = [0, 1, 2].map((step) => {
        const batch = fakeBatch(2);
        return runStep(det, opt, plan, c, packBatch(batch, plan, c), step, 1e-2, { emaCosine: tracker })
          .record;
      });
      const tensors = tf.memory().numTensors;
      runStep(det, opt, plan, c, packBatch(fakeBatch(2), plan, c), 3, 1e-2, { emaCosine: tracker });
      expect(tf.memory().numTensors).toBe(tensors); // the EMAs are replaced, not accumulated
      // keyed by position in trainableVariables(), every variable once
      expect(tracker.keys[0]).toEqual(det.trainableVariables().map((_, i) => String(i)));
      let ema: Float64Array[] | null = null;
      records.forEach((r, t) => {
        const [g0, g1] = tracker.fed[t]!;
        expect(r.cosine).toBeCloseTo(cosine(g0!, g1!), 5);
        const prev: Float64Array[] | null = ema;
        ema = tracker.fed[t]!.map((g, i) =>
          prev === null ? g : g.map((v, p) => beta * prev[i]![p]! + (1 - beta) * v),
        );
        expect(r.emaCosine, `step ${t}`).toBeCloseTo(cosine(ema[0]!, ema[1]!), 5);
        // <g_i, d> with d = Σ w_j g_j, in float64 from the host copies (the record's come from the device's G)
        const w = r.weights!;
        const d = g0!.map((v, p) => w[0]! * v + w[1]! * g1![p]!);
        const dot = (a: Float64Array, b: Float64Array) => a.reduce((acc, v, p) => acc + v * b[p]!, 0);
        const want = [dot(g0!, d), dot(g1!, d)];
        const got = [r.decrease!.original!, r.decrease!.synthesized!];
        const scale = Math.max(...want.map(Math.abs));
        for (let k = 0; k < 2; k++) expect(Math.abs(got[k]! - want[k]!)).toBeLessThan(1e-4 * scale);
        expect(r.updateNorm).toBeCloseTo(Math.sqrt(dot(d, d)), 5);
      });
      // the EMA is not the minibatch cosine once the gradients change
      expect(records[2]!.emaCosine).not.toBeCloseTo(records[2]!.cosine!, 5);
      tracker.dispose();
      det.dispose();
      opt.dispose();
    });
  }

  it('one source (orig-only): no emaCosine, and no step without a tracker logs one', () => {
    const c = resolveConfig({
      train: { batchSize: 2 },
      method: { name: 'orig-only' },
      detector: { backbone: { kind: 'small-cnn', channels: [4] }, inputSize: S, projectionDim: 4 },
    });
    const plan = planMethod(c);
    const det = createDetector({ ...c.detector, seed: 5 } as Parameters<typeof createDetector>[0]);
    const opt = makeOptimizer(c);
    const { record } = runStep(det, opt, plan, c, packBatch(fakeBatch(2), plan, c), 0, 1e-2);
    expect(record.emaCosine).toBeUndefined();
    expect(record.cosine).toBeUndefined();
    det.dispose();
    opt.dispose();
  });
});

describe('cgr.warmupSteps', () => {
  it('trains its first steps exactly as without CGR (same weights), then with the Conflict Descent Loss', () => {
    const base = {
      train: { batchSize: 2 },
      detector: { backbone: { kind: 'small-cnn', channels: [4] }, inputSize: S, projectionDim: 4 },
    };
    const run = (cgr: Record<string, unknown>, steps: number) => {
      const c = resolveConfig({ ...base, cgr });
      const plan = planMethod(c);
      const det = createDetector({ ...c.detector, seed: 5 } as Parameters<typeof createDetector>[0]);
      const opt = makeOptimizer(c);
      const records = [];
      for (let s = 0; s < steps; s++)
        records.push(runStep(det, opt, plan, c, packBatch(fakeBatch(2), plan, c), s, 1e-3).record);
      const weights = [...det.namedWeights().values()].map((v) => Array.from(v.dataSync()));
      det.dispose();
      opt.dispose();
      return { records, weights };
    };
    const warm = run({ enabled: true, warmupSteps: 2 }, 3);
    const plain = run({ enabled: false }, 2);
    const cgrFromStart = run({ enabled: true }, 1);
    expect(warm.records.map((r) => r.lcd === undefined)).toEqual([true, true, false]);
    expect(cgrFromStart.records[0]!.lcd).toBeDefined();
    // after the two warm-up steps the weights are the plain method's, bit for bit
    const warm2 = run({ enabled: true, warmupSteps: 2 }, 2);
    expect(warm2.weights).toEqual(plain.weights);
  });
});
