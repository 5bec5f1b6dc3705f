// The gradient hand-over (ApplyOptions.onTaskGradients): the callback sees exactly the shared-variable gradients the
// aggregator saw, in both step modes and in the parallel runner's apply path, only during the call, only on applied
// steps, and a throwing callback leaves the variables untouched.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the gradient functions tfjs-core's Node bundle lacks
import { mean, type Weighting } from '@cs-dfd/gramian';
import { gramOfMaps } from '@cs-dfd/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { disjointStep, featureStep, MultitaskError } from '../src/index.js';
import { backbone, headLoss, type Mlp, type MlpSpec, makeMlp, subBatchLoss } from './mlp.js';

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

/** The mean weighting, remembering the G it was given (what the aggregator saw). */
function recordingMean(): Weighting & { seen: Float64Array[] } {
  const inner = mean();
  const seen: Float64Array[] = [];
  const weights = (G: Float64Array, K: number) => {
    seen.push(G.slice());
    return inner.weights(G, K);
  };
  return { name: 'recording-mean', seen, weights };
}

/** Host copies of what the callback received (its tensors die with the step). */
interface Seen {
  grads: Array<Record<string, Float32Array>>;
  names: string[];
  calls: number;
}

function recorder(): {
  seen: Seen;
  callback: (g: ReadonlyArray<tf.NamedTensorMap>, n: readonly string[]) => void;
} {
  const seen: Seen = { grads: [], names: [], calls: 0 };
  return {
    seen,
    callback: (grads, names) => {
      seen.calls++;
      seen.names = [...names];
      seen.grads = grads.map((m) =>
        Object.fromEntries(Object.entries(m).map(([k, t]) => [k, t.dataSync() as Float32Array])),
      );
    },
  };
}

function expectGramMatches(seen: Float64Array, fromCallback: Float64Array) {
  const scale = Math.max(1e-6, ...Array.from(seen, Math.abs));
  seen.forEach((g, e) => {
    // float32 device accumulation vs float64 host sums of the same float32 numbers
    expect(Math.abs(g - fromCallback[e]!), `G[${e}]: ${g} vs ${fromCallback[e]}`).toBeLessThanOrEqual(
      1e-5 * scale,
    );
  });
}

/** Reference: a separate tf.variableGrads of `loss` over `vars` on the same batch, before the step. */
function separateGrads(loss: () => tf.Scalar, vars: tf.Variable[]): Record<string, Float32Array> {
  const { value, grads } = tf.variableGrads(loss, vars);
  const out = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, t.dataSync() as Float32Array]));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

function expectSameMaps(actual: Record<string, Float32Array>, expected: Record<string, Float32Array>) {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const [k, e] of Object.entries(expected)) {
    const a = actual[k]!;
    const scale = Math.max(1e-6, ...Array.from(e, Math.abs));
    e.forEach((v, p) =>
      expect(Math.abs(a[p]! - v), `${k}[${p}]: ${a[p]} vs ${v}`).toBeLessThanOrEqual(1e-5 * scale),
    );
  }
}

const sgd = () => tf.train.sgd(0.1);

describe('onTaskGradients in disjoint mode', () => {
  it('sees the gradients the aggregator saw, equal to a separate tf.variableGrads on the same sub-batch', () => {
    fc.assert(
      fc.property(specs, (spec) => {
        const m = makeMlp(spec);
        const shared = [m.W1, m.b1, m.U];
        const expected = m.v.map((_, k) => separateGrads(() => subBatchLoss(m, k), shared));
        const agg = recordingMean();
        const { seen, callback } = recorder();
        const opt = sgd();
        const before = tf.memory().numTensors;
        const r = disjointStep({
          shared,
          tasks: m.v.map((v, k) => ({
            name: `t${k}`,
            loss: () => subBatchLoss(m, k),
            variables: [v, m.c[k]!],
          })),
          aggregator: agg,
          optimizer: opt,
          onTaskGradients: callback,
        });
        expect(tf.memory().numTensors).toBe(before);
        expect(r.skipped).toBe(false);
        expect(seen.calls).toBe(1);
        expect(seen.names).toEqual(m.v.map((_, k) => `t${k}`));
        expect(seen.grads).toHaveLength(spec.K);
        seen.grads.forEach((g, k) => expectSameMaps(g, expected[k]!));
        expectGramMatches(agg.seen[0]!, gramOfMaps(seen.grads));
        opt.dispose();
        m.dispose();
      }),
      { numRuns: 15 },
    );
  });
});

describe('onTaskGradients in feature-cotangent mode', () => {
  it('sees backbone + shared-head gradients equal to a separate tf.variableGrads, and what the aggregator saw', () => {
    fc.assert(
      fc.property(specs, (spec) => {
        const m = makeMlp(spec);
        const shared = [m.W1, m.b1, m.U];
        const expected = m.v.map((_, k) => separateGrads(() => subBatchLoss(m, k), shared));
        const agg = recordingMean();
        const { seen, callback } = recorder();
        const opt = sgd();
        const before = tf.memory().numTensors;
        featureStep({
          backbone: { variables: [m.W1, m.b1], apply: (x) => backbone(m, x) },
          input: m.x,
          headShared: [m.U],
          tasks: m.v.map((v, k) => ({
            name: `t${k}`,
            rows: m.rows[k]!,
            loss: (f) => headLoss(m, k, f),
            variables: [v, m.c[k]!],
          })),
          aggregator: agg,
          optimizer: opt,
          onTaskGradients: callback,
        });
        expect(tf.memory().numTensors).toBe(before);
        expect(seen.calls).toBe(1);
        seen.grads.forEach((g, k) => expectSameMaps(g, expected[k]!));
        expectGramMatches(agg.seen[0]!, gramOfMaps(seen.grads));
        opt.dispose();
        m.dispose();
      }),
      { numRuns: 15 },
    );
  });
});

function twoTasks(m: Mlp, lossOf: (k: number) => () => tf.Scalar) {
  return m.v.map((v, k) => ({ name: `t${k}`, loss: lossOf(k), variables: [v, m.c[k]!] }));
}

describe('onTaskGradients lifetime and failure', () => {
  const spec: MlpSpec = { seed: 5, inputs: 3, hidden: 4, headHidden: 2, K: 2, batch: 6 };

  it('hands over tensors that are disposed after the step (valid only during the call)', () => {
    const m = makeMlp(spec);
    const kept: tf.Tensor[] = [];
    const opt = sgd();
    disjointStep({
      shared: [m.W1, m.b1, m.U],
      tasks: twoTasks(m, (k) => () => subBatchLoss(m, k)),
      aggregator: mean(),
      optimizer: opt,
      onTaskGradients: (grads) => {
        for (const g of grads) for (const t of Object.values(g)) kept.push(t);
        expect(kept.every((t) => !t.isDisposed)).toBe(true);
      },
    });
    expect(kept.length).toBe(6);
    expect(kept.every((t) => t.isDisposed)).toBe(true);
    opt.dispose();
    m.dispose();
  });

  it('is not called on a skipped (non-finite) step', () => {
    const m = makeMlp(spec);
    let calls = 0;
    const opt = sgd();
    const r = disjointStep({
      shared: [m.W1, m.b1, m.U],
      tasks: twoTasks(m, (k) =>
        k === 1 ? () => tf.mul(subBatchLoss(m, k), Number.NaN) : () => subBatchLoss(m, k),
      ),
      aggregator: mean(),
      optimizer: opt,
      onTaskGradients: () => {
        calls++;
      },
    });
    expect(r.skipped).toBe(true);
    expect(calls).toBe(0);
    opt.dispose();
    m.dispose();
  });

  it('a throwing callback abandons the step before the update, without leaking', () => {
    const m = makeMlp(spec);
    const vars = [m.W1, m.b1, m.U, ...m.v, ...m.c];
    const values = vars.map((v) => Array.from(v.dataSync()));
    const opt = sgd();
    const before = tf.memory().numTensors;
    expect(() =>
      disjointStep({
        shared: [m.W1, m.b1, m.U],
        tasks: twoTasks(m, (k) => () => subBatchLoss(m, k)),
        aggregator: mean(),
        optimizer: opt,
        onTaskGradients: () => {
          throw new RangeError('diagnostics failed');
        },
      }),
    ).toThrow(/diagnostics failed/);
    expect(tf.memory().numTensors).toBe(before);
    vars.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(values[i]));
    opt.dispose();
    m.dispose();
  });

  it('rejects a callback that is not a function, naming the option', () => {
    const m = makeMlp(spec);
    const opt = sgd();
    const run = () =>
      disjointStep({
        shared: [m.W1, m.b1, m.U],
        tasks: twoTasks(m, (k) => () => subBatchLoss(m, k)),
        aggregator: mean(),
        optimizer: opt,
        onTaskGradients: 'log' as unknown as () => void,
      });
    expect(run).toThrow(MultitaskError);
    expect(run).toThrow(/onTaskGradients must be a function, got string/);
    opt.dispose();
    m.dispose();
  });
});
