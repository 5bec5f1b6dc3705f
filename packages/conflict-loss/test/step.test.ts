// cgrStep and conflictExtra against an independent path: one joint tape over the whole model of
// (1/K) Σ_k L_k + λ L_cd (what d = mean(g_1..g_K) + λ∇L_cd must equal), with SGD at learning rate 1.
import { bceWithLogits } from '@cs-dfd/backend/ops';
import { mean, sum } from '@cs-dfd/gramian';
import { featureStep } from '@cs-dfd/multitask';
import { uvs } from '@cs-dfd/uvs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CgrSplit,
  type CgrStepProblem,
  cgrStep,
  conflictDescentLoss,
  conflictExtra,
  standardLogits,
} from '../src/index.js';
import { relErr, setupBackends } from './helpers.js';
import { BATCH_ROWS, SOURCES, snapshot, type TinyModel, tinyModel, twoSourceBatch } from './model.js';

beforeAll(async () => {
  await setupBackends();
  await tf.setBackend('cpu');
});

/** Expected update by one joint tape: -lr ∇[c Σ_k L_k + λ L_cd], c = 1/K (mean) or 1 (sum). */
function jointUpdate(m: TinyModel, input: tf.Tensor2D, labels: number[], lambda: number, perSource: number) {
  const before = snapshot(m.variables);
  const { grads, value } = tf.variableGrads(() => {
    const f = m.backbone.apply(input) as tf.Tensor2D;
    const losses = SOURCES.map((s) =>
      bceWithLogits(
        standardLogits(m.head, tf.gather(f, tf.tensor1d(s.rows, 'int32'))),
        tf.tensor1d(s.rows.map((n) => labels[n]!)),
      ),
    );
    const lcd = conflictDescentLoss(m.head, f, { labels, sources: SOURCES.map((s) => s.rows) }).loss;
    return tf.add(tf.mul(tf.addN(losses), perSource), tf.mul(lcd, lambda)) as tf.Scalar;
  }, m.variables);
  const out = m.variables.map((v, i) => before[i]!.map((x, j) => x - grads[v.name]!.dataSync()[j]!));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

function problem(
  m: TinyModel,
  input: tf.Tensor,
  labels: number[],
  extra: Partial<CgrStepProblem> = {},
): CgrStepProblem {
  return {
    backbone: m.backbone,
    input,
    head: m.head,
    labels,
    sources: SOURCES,
    aggregator: mean(),
    onNonFinite: 'throw',
    ...extra,
    // tf.train.sgd keeps a tensor of its own: build one only when the caller brings none.
    optimizer: extra.optimizer ?? tf.train.sgd(1),
  };
}

describe('cgrStep', () => {
  it.each<CgrSplit>(['exact', 'fused'])(
    'split %s with mean(): d = mean(g) + λ∇L_cd (joint-tape reference)',
    (split) => {
      for (const seed of [1, 2, 3]) {
        const { input, labels } = twoSourceBatch(seed);
        const a = tinyModel(seed);
        const b = tinyModel(seed);
        const expected = jointUpdate(a, input, labels, 0.7, 1 / 2);
        const r = cgrStep(problem(b, input, labels, { cgr: { weight: 0.7, split } }));
        expect(r.skipped).toBe(false);
        const got = snapshot(b.variables);
        expected.forEach((e, i) => expect(relErr(got[i]!, e)).toBeLessThan(2e-5));
        tf.dispose(input);
        a.dispose();
        b.dispose();
      }
    },
  );

  it('fused with sum() and fusedScale 1: d = Σ g + λ∇L_cd', () => {
    const { input, labels } = twoSourceBatch(4);
    const a = tinyModel(4);
    const b = tinyModel(4);
    const expected = jointUpdate(a, input, labels, 0.5, 1);
    cgrStep(problem(b, input, labels, { aggregator: sum(), cgr: { weight: 0.5, fusedScale: 1 } }));
    const got = snapshot(b.variables);
    expected.forEach((e, i) => expect(relErr(got[i]!, e)).toBeLessThan(2e-5));
    tf.dispose(input);
    a.dispose();
    b.dispose();
  });

  it('with UVS the exact split adds λ∇L_cd to the UVS update of the same step without CGR', () => {
    const { input, labels } = twoSourceBatch(5);
    const a = tinyModel(5);
    const b = tinyModel(5);
    const c = tinyModel(5);
    const lambda = 0.3;
    // a: UVS only; b: UVS + CGR (exact split); c: λ∇L_cd alone (by a joint tape, SGD lr 1).
    const r0 = cgrStep(problem(a, input, labels, { aggregator: uvs({ c: 0.5 }), cgr: { weight: 0 } }));
    const r1 = cgrStep(
      problem(b, input, labels, { aggregator: uvs({ c: 0.5 }), cgr: { weight: lambda, split: 'exact' } }),
    );
    const start = snapshot(c.variables);
    const cgrOnly = jointUpdate(c, input, labels, lambda, 0).map((v, i) =>
      v.map((x, j) => x - start[i]![j]!),
    );
    const uvsOnly = snapshot(a.variables).map((v, i) => v.map((x, j) => x - start[i]![j]!));
    const got = snapshot(b.variables).map((v, i) => v.map((x, j) => x - start[i]![j]!));
    got.forEach((g, i) =>
      expect(
        relErr(
          g,
          uvsOnly[i]!.map((x, j) => x + cgrOnly[i]![j]!),
        ),
      ).toBeLessThan(2e-5),
    );
    expect(r1.skipped || r0.skipped).toBe(false);
    if (!r1.skipped && !r0.skipped) expect(Array.from(r1.weights)).toEqual(Array.from(r0.weights));
    tf.dispose(input);
    for (const m of [a, b, c]) m.dispose();
  });

  it('reports L_cd and the head-gradient cosines before the update, and the per-source losses', () => {
    const { input, labels } = twoSourceBatch(6);
    const m = tinyModel(6);
    for (const split of ['fused', 'exact'] as const) {
      const before = tf.tidy(() =>
        conflictDescentLoss(m.head, m.backbone.apply(input) as tf.Tensor2D, {
          labels,
          sources: SOURCES.map((s) => s.rows),
        }),
      );
      const expectedLoss = before.loss.dataSync()[0]!;
      const expectedCos = Array.from(before.cosines.dataSync());
      tf.dispose([before.loss, before.cosines]);
      const r = cgrStep(problem(m, input, labels, { cgr: { weight: 1, split } }));
      expect(r.cgr.loss).toBeCloseTo(expectedLoss, 6);
      expect(r.cgr.K).toBe(2);
      Array.from(r.cgr.cosines).forEach((c, i) => expect(c).toBeCloseTo(expectedCos[i]!, 5));
      expect(r.cgr.meanCosine).toBeCloseTo(expectedCos[1]!, 5);
      expect(r.tasks).toEqual(['original', 'synthetic']);
      expect(r.extraLoss).toBeCloseTo(expectedLoss, 6);
    }
    tf.dispose(input);
    m.dispose();
  });

  it('the per-source losses are the BCE of each source alone (the injected cotangent adds 0)', () => {
    const { input, labels } = twoSourceBatch(7);
    const m = tinyModel(7);
    const expected = tf.tidy(() => {
      const f = m.backbone.apply(input) as tf.Tensor2D;
      return SOURCES.map(
        (s) =>
          bceWithLogits(
            standardLogits(m.head, tf.gather(f, tf.tensor1d(s.rows, 'int32'))),
            tf.tensor1d(s.rows.map((n) => labels[n]!)),
          ).dataSync()[0]!,
      );
    });
    const r = cgrStep(problem(m, input, labels, { cgr: { weight: 2 } }));
    r.losses.forEach((l, k) => expect(l).toBeCloseTo(expected[k]!, 6));
    tf.dispose(input);
    m.dispose();
  });

  it('a generic head trains through cgrStep like the standard one', () => {
    const { input, labels } = twoSourceBatch(8);
    const a = tinyModel(8);
    const b = tinyModel(8);
    const generic = {
      params: [b.head.vars.Wp, b.head.vars.bp],
      loss: (f: tf.Tensor2D, y: tf.Tensor1D) => bceWithLogits(standardLogits(b.head, f), y) as tf.Scalar,
    };
    cgrStep(problem(a, input, labels, { cgr: { weight: 0.5 } }));
    cgrStep(
      problem(b, input, labels, {
        head: generic,
        headVariables: b.variables.slice(2),
        cgr: { weight: 0.5, mode: 'generic' },
      }),
    );
    const ga = snapshot(a.variables);
    snapshot(b.variables).forEach((v, i) => expect(relErr(v, ga[i]!)).toBeLessThan(1e-4));
    tf.dispose(input);
    a.dispose();
    b.dispose();
  });

  it('conflictExtra plugs into featureStep directly', () => {
    const { input, labels } = twoSourceBatch(9);
    const a = tinyModel(9);
    const b = tinyModel(9);
    cgrStep(
      problem(a, input, labels, { cgr: { weight: 0.4, split: 'exact', rho: 'linear', mode: 'diagonal' } }),
    );
    const ys = SOURCES.map((s) => tf.tensor1d(s.rows.map((n) => labels[n]!)));
    const extra = conflictExtra(
      b.head,
      { labels, sources: SOURCES.map((s) => s.rows) },
      { weight: 0.4, rho: 'linear', mode: 'diagonal' },
    );
    expect(extra.diagnostics()).toBeUndefined();
    featureStep({
      backbone: b.backbone,
      input,
      headShared: b.variables.slice(2),
      tasks: SOURCES.map((s, k) => ({
        name: s.name,
        rows: s.rows,
        loss: (f: tf.Tensor) => bceWithLogits(standardLogits(b.head, f as tf.Tensor2D), ys[k]!) as tf.Scalar,
      })),
      extra,
      aggregator: mean(),
      optimizer: tf.train.sgd(1),
    });
    expect(extra.diagnostics()?.K).toBe(2);
    const ga = snapshot(a.variables);
    snapshot(b.variables).forEach((v, i) => expect(relErr(v, ga[i]!)).toBeLessThan(1e-6));
    tf.dispose([input, ...ys]);
    a.dispose();
    b.dispose();
  });

  it('leaves no tensors behind (both splits, Adam, a skipped step)', () => {
    const { input, labels } = twoSourceBatch(10);
    const m = tinyModel(10);
    const optimizer = tf.train.adam(0.01);
    const run = (split: CgrSplit) =>
      cgrStep(problem(m, input, labels, { cgr: { split }, optimizer, onNonFinite: 'skip' }));
    run('fused');
    run('exact'); // Adam's slots exist from here on
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      run('fused');
      run('exact');
    }
    const bad = tf.tensor2d(
      Array.from({ length: BATCH_ROWS * 4 }, (_, i) => (i === 0 ? Number.NaN : 0.1)),
      [BATCH_ROWS, 4],
    );
    const skipped = cgrStep(problem(m, bad, labels, { optimizer, onNonFinite: 'skip' }));
    expect(skipped.skipped).toBe(true);
    bad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(input);
    optimizer.dispose();
    m.dispose();
  });
});
