// optimizer.backboneLrFactor: the backbone's parameter group runs at factor × the schedule's learning rate with
// its own optimizer state (under Adam a scaled gradient would not scale the update; a scaled rate does).
import { initBackend } from '@cs-dfd/backend';
import type { Batch, SubBatch } from '@cs-dfd/data';
import { createDetector, type Detector } from '@cs-dfd/detectors';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  GroupedOptimizer,
  learningRate,
  makeOptimizer,
  methodNames,
  packBatch,
  planMethod,
  resolveConfig,
  runStep,
  setLearningRate,
  type TrainConfig,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const S = 16;
const per = S * S * 3;

/** A loader-shaped batch of B reals and B fakes per source, pixel values varying by row and step. */
function batch(B: number, step: number): Batch {
  const sub = (source: 'original' | 'synthesized', base: number): SubBatch => {
    const images = new Float32Array(2 * B * per);
    for (let i = 0; i < images.length; i++) images[i] = ((i * 7919 + step * 104729) % 1000) / 1000 + base;
    return {
      source,
      images,
      shape: [2 * B, S, S, 3],
      labels: Float32Array.from({ length: 2 * B }, (_, i) => (i < B ? 0 : 1)),
      kinds: Array.from({ length: 2 * B }, (_, i) => (i < B ? 'real' : source)),
      videoIds: Array.from({ length: 2 * B }, (_, i) => `v${i}`),
    };
  };
  return { step, sources: { original: sub('original', 0), synthesized: sub('synthesized', 0.3) } };
}

function config(sets: Record<string, unknown> = {}, cgr = false): TrainConfig {
  const { optimizer, method, ...rest } = sets;
  return resolveConfig({
    train: { batchSize: 2, steps: 10 },
    schedule: { kind: 'cosine', warmup: 2 },
    cgr: { enabled: cgr },
    method: method ?? { name: 'joint' },
    optimizer: { lr: 1e-2, ...(optimizer as object) },
    detector: { backbone: { kind: 'small-cnn', channels: [4, 6] }, inputSize: S, projectionDim: 4 },
    ...rest,
  });
}

const detector = (c: TrainConfig) =>
  createDetector({ ...c.detector, seed: 11 } as Parameters<typeof createDetector>[0]);
const copies = (vs: tf.Variable[]) => vs.map((v) => v.dataSync().slice() as Float32Array);

/** Runs `steps` steps with the schedule's learning rate set on `opt` (as the loop does). */
function train(det: Detector, opt: tf.Optimizer, c: TrainConfig, steps: number): void {
  const plan = planMethod(c);
  for (let step = 0; step < steps; step++) {
    const lr = learningRate(c, step);
    setLearningRate(opt, lr);
    const { record } = runStep(det, opt, plan, c, packBatch(batch(2, step), plan, c), step, lr);
    expect(record.skipped, `step ${step}`).toBe(false);
  }
}

describe('optimizer.backboneLrFactor validation', () => {
  it('defaults to 1 and accepts the closed range [0, 1]', () => {
    expect(config().optimizer.backboneLrFactor).toBe(1);
    for (const f of [0, 0.1, 1])
      expect(config({ optimizer: { backboneLrFactor: f } }).optimizer.backboneLrFactor).toBe(f);
  });
  it('refuses a value out of range or not a number with a ConfigError naming the key and the value', () => {
    for (const [f, shown] of [
      [-0.1, '-0.1'],
      [1.5, '1.5'],
      ['0.1', '"0.1"'],
    ] as const) {
      let err: unknown;
      try {
        config({ optimizer: { backboneLrFactor: f } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('optimizer.backboneLrFactor');
      expect((err as Error).message).toContain(`(got ${shown})`);
    }
  });
});

describe('factor 1 is the plain optimizer', () => {
  it('makeOptimizer returns tfjs Adam itself, and the weights after 3 steps equal those of a bare tf.train.adam bit for bit', () => {
    const c = config({ optimizer: { backboneLrFactor: 1 } });
    const made = makeOptimizer(c, detector(c));
    expect(made).not.toBeInstanceOf(GroupedOptimizer);
    expect(made.getClassName()).toBe('Adam');
    made.dispose();
    const a = detector(c);
    const b = detector(c);
    const optA = makeOptimizer(c, a);
    const o = c.optimizer;
    const optB = tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon);
    train(a, optA, c, 3);
    train(b, optB, c, 3);
    expect(copies(a.trainableVariables())).toEqual(copies(b.trainableVariables()));
    // A grouped optimizer with both groups at factor 1 (an independent path: two Adams over the split map) agrees
    // bit for bit too, so the split itself changes no arithmetic.
    const g = detector(c);
    const names = (vs: tf.Variable[]) => new Set(vs.map((v) => v.name));
    const grouped = new GroupedOptimizer(
      [
        {
          name: 'backbone',
          factor: 1,
          optimizer: tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon),
          variables: names(g.backboneVariables()),
        },
        {
          name: 'head',
          factor: 1,
          optimizer: tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon),
          variables: names(g.headVariables()),
        },
      ],
      o.lr,
    );
    train(g, grouped, c, 3);
    expect(copies(g.trainableVariables())).toEqual(copies(b.trainableVariables()));
    for (const d of [a, b, g]) d.dispose();
    for (const opt of [optA, optB, grouped]) opt.dispose();
  });
});

describe('the schedule drives both groups', () => {
  it('setLearningRate gives the head the rate and the backbone factor × the rate', () => {
    const c = config({ optimizer: { backboneLrFactor: 0.25 } });
    const det = detector(c);
    const opt = makeOptimizer(c, det) as GroupedOptimizer;
    const rate = (k: number) =>
      (opt.groups[k]!.optimizer as unknown as { learningRate: number }).learningRate;
    for (const step of [0, 1, 5, 9]) {
      setLearningRate(opt, learningRate(c, step));
      expect(rate(0)).toBe(0.25 * learningRate(c, step));
      expect(rate(1)).toBe(learningRate(c, step));
    }
    expect(opt.groups.map((g) => g.name)).toEqual(['backbone', 'head']);
    det.dispose();
    opt.dispose();
  });
});

describe('factor 0 freezes the backbone weights', () => {
  const cases = methodNames().flatMap((name) => {
    const plan = planMethod(config({ method: { name } }));
    return plan.sources.length === 2
      ? [[name, false] as const, [name, true] as const]
      : [[name, false] as const];
  });
  it.each(cases)(
    '%s (CGR %s): every backbone variable bit-identical after 3 steps, every head variable moved',
    (name, cgr) => {
      const c = config({ optimizer: { backboneLrFactor: 0 }, method: { name } }, cgr);
      const det = detector(c);
      const opt = makeOptimizer(c, det);
      const backbone = copies(det.backboneVariables());
      const head = copies(det.headVariables());
      train(det, opt, c, 3);
      expect(copies(det.backboneVariables())).toEqual(backbone);
      copies(det.headVariables()).forEach((h, i) => expect(h, `head variable ${i}`).not.toEqual(head[i]));
      det.dispose();
      opt.dispose();
    },
  );
});

describe('the first step of a backbone variable at factor f is f × its step at factor 1', () => {
  // Adam's first update is lr·m̂/(√v̂ + ε) = lr·g/(|g| + ε): sign-like, the gradient's scale drops out, so only a
  // scaled rate can scale it. Momentum's and SGD's first update is lr·g. Both are checked on the same batch from
  // the same initial weights, where the gradients are equal; the head's update is the same bit for bit.
  for (const name of ['adam', 'momentum', 'sgd'] as const) {
    for (const cgr of [false, true]) {
      it(`${name} (CGR ${cgr}), f = 0.1 and 0.5`, () => {
        for (const f of [0.1, 0.5]) {
          const base = config({ optimizer: { name, backboneLrFactor: 1 } }, cgr);
          const scaled = config({ optimizer: { name, backboneLrFactor: f } }, cgr);
          const d1 = detector(base);
          const df = detector(scaled);
          const o1 = makeOptimizer(base, d1);
          const of = makeOptimizer(scaled, df);
          const w0 = copies(d1.backboneVariables());
          train(d1, o1, base, 1);
          train(df, of, scaled, 1);
          const w1 = copies(d1.backboneVariables());
          const wf = copies(df.backboneVariables());
          let moved = 0;
          w0.forEach((w, v) => {
            for (let p = 0; p < w.length; p++) {
              const step1 = w1[v]![p]! - w[p]!;
              const stepf = wf[v]![p]! - w[p]!;
              // float32 rounding of w + Δ: a few ulps of |w|, plus a relative 1e-5 for the update's own arithmetic
              const tol = 4 * 2 ** -23 * Math.abs(w[p]!) + 1e-5 * Math.abs(f * step1);
              expect(Math.abs(stepf - f * step1), `variable ${v}[${p}]`).toBeLessThanOrEqual(tol);
              if (Math.abs(step1) > 1e-6) moved++;
            }
          });
          expect(moved).toBeGreaterThan(100);
          expect(copies(df.headVariables())).toEqual(copies(d1.headVariables()));
          for (const x of [d1, df, o1, of]) x.dispose();
        }
      });
    }
  }
});
