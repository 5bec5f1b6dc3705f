import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the gradient functions tfjs-core's Node bundle lacks
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  disjointTaskGradient,
  type FeatureContext,
  featureExtraGradient,
  featureTaskGradient,
  type TaskGradient,
} from '../src/index.js';
import {
  backbone,
  fullBatchLoss,
  headLoss,
  hostLoss,
  hostParams,
  type Mlp,
  type MlpSpec,
  makeMlp,
  subBatchLoss,
} from './mlp.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const specs: fc.Arbitrary<MlpSpec> = fc.record({
  seed: fc.integer(),
  inputs: fc.integer({ min: 1, max: 4 }),
  hidden: fc.integer({ min: 1, max: 5 }),
  headHidden: fc.integer({ min: 1, max: 4 }),
  K: fc.integer({ min: 1, max: 3 }),
  batch: fc.integer({ min: 3, max: 8 }),
});

function sharedVars(m: Mlp) {
  return [m.W1, m.b1, m.U];
}

function toHost(map: tf.NamedTensorMap): Record<string, number[]> {
  return Object.fromEntries(Object.entries(map).map(([k, t]) => [k, Array.from(t.dataSync())]));
}

function disposeGrad(g: TaskGradient) {
  for (const t of [...Object.values(g.shared), ...Object.values(g.own)]) t.dispose();
}

function expectClose(actual: number[], expected: number[], rel: number, what: string) {
  expect(actual.length, what).toBe(expected.length);
  const scale = Math.max(1e-3, ...expected.map(Math.abs));
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]!), `${what}[${i}]: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(
      rel * scale,
    );
  });
}

/** Naive reference: tf.variableGrads of task k's loss on a full-batch forward, over every variable. */
function naive(m: Mlp, k: number): Record<string, number[]> {
  const all = [m.W1, m.b1, m.U, m.v[k]!, m.c[k]!];
  const { value, grads } = tf.variableGrads(() => fullBatchLoss(m, k), all);
  const out = toHost(grads);
  out.loss = [value.dataSync()[0]!];
  value.dispose();
  tf.dispose(grads);
  return out;
}

function compare(g: TaskGradient, ref: Record<string, number[]>, m: Mlp, k: number, what: string) {
  expectClose([g.loss], ref.loss!, 1e-5, `${what} loss`);
  const shared = toHost(g.shared);
  const own = toHost(g.own);
  expect(Object.keys(shared)).toEqual(sharedVars(m).map((v) => v.name));
  expect(Object.keys(own)).toEqual([m.v[k]!.name, m.c[k]!.name]);
  for (const [name, vals] of Object.entries({ ...shared, ...own })) {
    expectClose(vals, ref[name]!, 1e-4, `${what} ${name}`);
  }
}

function featureContext(m: Mlp, features: tf.Tensor): FeatureContext {
  return {
    backbone: { variables: [m.W1, m.b1], apply: (x) => backbone(m, x) },
    input: m.x,
    features,
    headShared: [m.U],
  };
}

describe('per-task gradients equal naive per-task tf.variableGrads on the full loss', () => {
  it('disjoint mode and both feature-cotangent variants, random MLPs', () => {
    fc.assert(
      fc.property(specs, (spec) => {
        const before = tf.memory().numTensors;
        const m = makeMlp(spec);
        const features = tf.tidy(() => backbone(m, m.x));
        const ctx = featureContext(m, features);
        for (let k = 0; k < spec.K; k++) {
          const ref = naive(m, k);
          const own = [m.v[k]!, m.c[k]!];
          const dj = disjointTaskGradient(
            { name: `t${k}`, loss: () => subBatchLoss(m, k), variables: own },
            sharedVars(m),
            k,
          );
          compare(dj, ref, m, k, 'disjoint');
          disposeGrad(dj);
          // With rows: the backbone backward runs on the task's rows only.
          const fr = featureTaskGradient(
            { name: `t${k}`, rows: m.rows[k]!, loss: (f) => headLoss(m, k, f), variables: own },
            ctx,
            k,
          );
          compare(fr, ref, m, k, 'feature/rows');
          disposeGrad(fr);
          // Without rows (shared samples): the loss picks its rows itself, the cotangent is zero elsewhere.
          const fa = featureTaskGradient(
            {
              name: `t${k}`,
              loss: (f) => headLoss(m, k, tf.gather(f, tf.tensor1d(m.rows[k]!, 'int32'))),
              variables: own,
            },
            ctx,
            k,
          );
          compare(fa, ref, m, k, 'feature/all rows');
          disposeGrad(fa);
        }
        features.dispose();
        m.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 25 },
    );
  });
});

describe('feature-cotangent gradients against float64 finite differences', () => {
  it('every parameter of random MLPs (central differences on an independent host forward)', () => {
    fc.assert(
      fc.property(specs, (spec) => {
        const m = makeMlp(spec);
        const features = tf.tidy(() => backbone(m, m.x));
        const ctx = featureContext(m, features);
        const p = hostParams(m);
        const h = 1e-6;
        for (let k = 0; k < spec.K; k++) {
          const g = featureTaskGradient(
            {
              name: `t${k}`,
              rows: m.rows[k]!,
              loss: (f) => headLoss(m, k, f),
              variables: [m.v[k]!, m.c[k]!],
            },
            ctx,
            k,
          );
          const got = { ...toHost(g.shared), ...toHost(g.own) };
          disposeGrad(g);
          // Each host parameter array, flattened in tfjs's row-major order, with a setter for one entry.
          const fields: Array<[string, number, (i: number, d: number) => void]> = [
            [
              m.W1.name,
              spec.inputs * spec.hidden,
              (i, d) => (p.W1[Math.floor(i / spec.hidden)]![i % spec.hidden]! += d),
            ],
            [m.b1.name, spec.hidden, (i, d) => (p.b1[i]! += d)],
            [
              m.U.name,
              spec.hidden * spec.headHidden,
              (i, d) => (p.U[Math.floor(i / spec.headHidden)]![i % spec.headHidden]! += d),
            ],
            [m.v[k]!.name, spec.headHidden, (i, d) => (p.v[k]![i]! += d)],
            [m.c[k]!.name, 1, (_i, d) => (p.c[k]! += d)],
          ];
          for (const [name, size, bump] of fields) {
            const fd = Array.from({ length: size }, (_, i) => {
              bump(i, h);
              const up = hostLoss(m, p, k);
              bump(i, -2 * h);
              const down = hostLoss(m, p, k);
              bump(i, h);
              return (up - down) / (2 * h);
            });
            expectClose(got[name]!, fd, 2e-4, `FD ${name}`);
          }
        }
        features.dispose();
        m.dispose();
      }),
      { numRuns: 15 },
    );
  });
});

describe('featureExtraGradient', () => {
  it('a coupled loss of all rows equals tf.variableGrads of the same loss on a full forward', () => {
    fc.assert(
      fc.property(specs, (spec) => {
        const before = tf.memory().numTensors;
        const m = makeMlp(spec);
        // A loss coupling every task: the product of the first two task losses plus a head penalty.
        const coupled = (f: tf.Tensor) =>
          tf.add(
            tf.mul(
              headLoss(m, 0, tf.gather(f, tf.tensor1d(m.rows[0]!, 'int32'))),
              headLoss(m, spec.K - 1, tf.gather(f, tf.tensor1d(m.rows[spec.K - 1]!, 'int32'))),
            ),
            tf.sum(tf.square(m.v[0]!)),
          ) as tf.Scalar;
        const all = [m.W1, m.b1, m.U, ...m.v, ...m.c];
        const { value, grads } = tf.variableGrads(() => coupled(backbone(m, m.x)), all);
        const features = tf.tidy(() => backbone(m, m.x));
        const e = featureExtraGradient(coupled, featureContext(m, features), [...m.v, ...m.c]);
        expectClose([e.loss], [value.dataSync()[0]!], 1e-5, 'extra loss');
        const got = toHost(e.grads);
        expect(Object.keys(got).sort()).toEqual(all.map((v) => v.name).sort());
        for (const v of all) {
          const ref = grads[v.name] ? Array.from(grads[v.name]!.dataSync()) : new Array(v.size).fill(0);
          expectClose(got[v.name]!, ref, 1e-4, `extra ${v.name}`);
        }
        tf.dispose([value, ...Object.values(grads), ...Object.values(e.grads), features]);
        m.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 15 },
    );
  });
});
