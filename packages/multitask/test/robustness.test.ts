import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the gradient functions tfjs-core's Node bundle lacks
import { mean, type VectorAggregator } from '@cs-dfd/gramian';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  applyTaskGradients,
  closureGradient,
  type DisjointStepProblem,
  disjointStep,
  disjointTaskGradient,
  type FeatureStepProblem,
  featureStep,
  MultitaskError,
  type SkippedStep,
  type StepResult,
} from '../src/index.js';
import { variable } from './mlp.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let uid = 0;
const vec = (values: number[], shape?: number[]) =>
  variable(shape ? tf.tensor(values, shape) : tf.tensor1d(values), `robust/${uid++}`);
const host = (v: tf.Tensor) => Array.from(v.dataSync());

/** A two-task disjoint problem on w (shared, 3) and heads h0, h1 (1 each), with hooks to break each part. */
function problem(overrides: {
  loss0?: (w: tf.Variable, h: tf.Variable) => tf.Scalar;
  loss1?: (w: tf.Variable, h: tf.Variable) => tf.Scalar;
  extra?: (w: tf.Variable) => tf.Scalar;
}) {
  const w = vec([0.5, 0, -1]);
  const h = [vec([1]), vec([2])];
  const quad = (k: number) => (ww: tf.Variable, hh: tf.Variable) =>
    tf.sum(tf.square(tf.sub(tf.add(ww, hh), k))) as tf.Scalar;
  const l0 = overrides.loss0 ?? quad(1);
  const l1 = overrides.loss1 ?? quad(-1);
  const p: DisjointStepProblem = {
    shared: [w],
    tasks: [
      { name: 'orig', variables: [h[0]!], loss: () => l0(w, h[0]!) },
      { name: 'syn', variables: [h[1]!], loss: () => l1(w, h[1]!) },
    ],
    aggregator: mean(),
    optimizer: tf.train.sgd(0.1),
    ...(overrides.extra ? { extra: { weight: 0.5, loss: () => overrides.extra!(w) } } : {}),
  };
  const snapshot = () => [w, ...h].map(host);
  const dispose = () => {
    tf.dispose([w, ...h]);
    p.optimizer.dispose();
  };
  return { p, w, h, snapshot, dispose };
}

function skipped(r: StepResult): SkippedStep {
  if (!r.skipped) throw new Error('step was applied');
  return r;
}

let before = 0;
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors, 'tensors leaked by the test').toBe(before);
});

describe('non-finite losses and gradients: the update is not applied', () => {
  it('NaN loss of task 1: skipped, naming the task; variables untouched', () => {
    const t = problem({ loss1: (w) => tf.mul(tf.sum(w), Number.NaN) as tf.Scalar });
    const start = t.snapshot();
    const r = skipped(disjointStep(t.p));
    expect(r).toMatchObject({ task: 'syn', taskIndex: 1 });
    expect(r.reason).toContain('task 1 ("syn")');
    expect(r.losses[0]).toBeCloseTo(0.5 ** 2 + 0 + 1, 5); // Σ (w + h_0 - 1)²
    expect(Number.isNaN(r.losses[1])).toBe(true);
    expect(t.snapshot()).toEqual(start);
    t.dispose();
  });

  it('finite loss, infinite gradient of a shared variable: skipped, naming task and variable', () => {
    // d sqrt(x)/dx = Inf at x = 0 while sqrt(0) = 0.
    const t = problem({ loss0: (w) => tf.sum(tf.sqrt(tf.relu(w))) as tf.Scalar });
    const start = t.snapshot();
    const r = skipped(disjointStep(t.p));
    expect(r).toMatchObject({ task: 'orig', taskIndex: 0, variable: t.w.name });
    expect(Number.isFinite(r.losses[0])).toBe(true);
    expect(t.snapshot()).toEqual(start);
    t.dispose();
  });

  it('infinite gradient of a task-specific variable: skipped, naming it', () => {
    const t = problem({ loss1: (w, h) => tf.add(tf.sum(w), tf.sum(tf.sqrt(tf.sub(h, 2)))) as tf.Scalar });
    const start = t.snapshot();
    const r = skipped(disjointStep(t.p));
    expect(r).toMatchObject({ task: 'syn', taskIndex: 1, variable: t.h[1]!.name });
    expect(t.snapshot()).toEqual(start);
    t.dispose();
  });

  it('non-finite extra loss: skipped as "extra"', () => {
    const t = problem({ extra: (w) => tf.sum(tf.log(tf.sub(w, 1))) as tf.Scalar });
    const start = t.snapshot();
    const r = skipped(disjointStep(t.p));
    expect(r).toMatchObject({ task: 'extra', taskIndex: -1 });
    expect(t.snapshot()).toEqual(start);
    t.dispose();
  });

  it("onNonFinite: 'throw' throws a MultitaskError naming the task", () => {
    const t = problem({ loss1: (w) => tf.mul(tf.sum(w), Number.POSITIVE_INFINITY) as tf.Scalar });
    const start = t.snapshot();
    let err: unknown;
    try {
      disjointStep({ ...t.p, onNonFinite: 'throw' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MultitaskError);
    expect(err).toMatchObject({ code: 'non-finite', task: 'syn', taskIndex: 1 });
    expect(t.snapshot()).toEqual(start);
    t.dispose();
  });
});

describe('no tensor leaks', () => {
  function featureProblem(): { p: FeatureStepProblem; dispose: () => void } {
    const W = vec([0.1, -0.2, 0.3, 0.4, 0.5, -0.6], [3, 2]);
    const U = vec([1, 0.5], [2, 1]);
    const c = [vec([0.1]), vec([-0.1])];
    const x = tf.tensor2d([1, 2, 3, -1, 0, 1, 2, 2, 0, 0, 1, -1], [4, 3]);
    const y = [tf.tensor2d([1, 0], [2, 1]), tf.tensor2d([0, 1], [2, 1])];
    const p: FeatureStepProblem = {
      backbone: { variables: [W], apply: (inp) => tf.tanh(tf.matMul(inp as tf.Tensor2D, W)) },
      input: x,
      headShared: [U],
      tasks: [0, 1].map((k) => ({
        name: `s${k}`,
        rows: k === 0 ? [0, 2] : [1, 3],
        variables: [c[k]!],
        loss: (f: tf.Tensor) =>
          tf.losses.meanSquaredError(y[k]!, tf.add(tf.matMul(f as tf.Tensor2D, U), c[k]!)),
      })),
      extra: { weight: 0.1, loss: (f) => tf.mean(tf.square(f)) },
      aggregator: mean(),
      optimizer: tf.train.adam(0.01),
    };
    const dispose = () => {
      tf.dispose([W, U, ...c, x, ...y]);
      p.optimizer.dispose();
    };
    return { p, dispose };
  }

  it('numTensors is the same before and after N steps (both modes, Adam, extra loss, a skipped step)', () => {
    const f = featureProblem();
    const d = problem({ extra: (w) => tf.sum(tf.square(w)) as tf.Scalar });
    d.p.optimizer.dispose();
    d.p.optimizer = tf.train.adam(0.01);
    // Adam allocates its moment variables on the first step: warm up, then count.
    featureStep(f.p);
    disjointStep(d.p);
    const warm = tf.memory().numTensors;
    for (let s = 0; s < 5; s++) {
      expect(featureStep(f.p).skipped).toBe(false);
      expect(disjointStep(d.p).skipped).toBe(false);
    }
    const nan = { ...d.p, tasks: [d.p.tasks[0]!, { ...d.p.tasks[1]!, loss: () => tf.scalar(Number.NaN) }] };
    expect(disjointStep(nan).skipped).toBe(true);
    expect(() =>
      disjointStep({ ...d.p, tasks: [{ name: 'vector', loss: () => tf.ones([2]) as tf.Scalar }] }),
    ).toThrow(MultitaskError);
    expect(tf.memory().numTensors).toBe(warm);
    f.dispose();
    d.dispose();
  });
});

describe('any aggregator of the contract', () => {
  it('a vector-level aggregator (on tensors) gives the sum of the shared gradients', () => {
    const sumVectors: VectorAggregator = {
      name: 'sum-vectors',
      kind: 'vector',
      aggregate: (gs) => gs.reduce((acc, g) => acc.map((v, i) => v + g[i]!)),
      aggregateTensors: (maps) => {
        const m = maps as tf.NamedTensorMap[];
        return Object.fromEntries(Object.keys(m[0]!).map((k) => [k, tf.addN(m.map((g) => g[k]!))]));
      },
    };
    const t = problem({});
    t.p.optimizer.dispose();
    t.p.optimizer = tf.train.sgd(1);
    const r = disjointStep({ ...t.p, aggregator: sumVectors });
    if (r.skipped) throw new Error(r.reason);
    // g_k(w) = 2 (w + h_k - target_k); with w = (0.5, 0, -1), h = (1, 2), targets (1, -1).
    const w0 = [0.5, 0, -1];
    const g = w0.map((v) => 2 * (v + 1 - 1) + 2 * (v + 2 + 1));
    expect(host(t.w)).toEqual(w0.map((v, i) => v - g[i]!));
    expect(r.weights).toHaveLength(0);
    t.dispose();
  });
});

describe('bad input: typed errors that name the task, variable or value', () => {
  const expectError = (fn: () => unknown, code: string, text: string) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MultitaskError);
    expect((err as MultitaskError).code).toBe(code);
    expect((err as MultitaskError).message).toContain(text);
  };

  it('variable listed as shared and task-specific, or twice', () => {
    const t = problem({});
    expectError(
      () => disjointStep({ ...t.p, tasks: [t.p.tasks[0]!, { ...t.p.tasks[1]!, variables: [t.w] }] }),
      'invalid-problem',
      `variable "${t.w.name}" is listed in both shared and task 1 ("syn")`,
    );
    expectError(
      () => disjointStep({ ...t.p, tasks: [{ ...t.p.tasks[0]!, variables: [t.h[0]!, t.h[0]!] }] }),
      'invalid-problem',
      `twice in task 0 ("orig")`,
    );
    t.dispose();
  });

  it('no tasks, duplicate task names, a loss that is not a function or not a scalar', () => {
    const t = problem({});
    expectError(() => disjointStep({ ...t.p, tasks: [] }), 'invalid-problem', 'K = 0');
    expectError(
      () => disjointStep({ ...t.p, tasks: [t.p.tasks[0]!, t.p.tasks[0]!] }),
      'invalid-problem',
      '"orig" is used twice',
    );
    expectError(
      () => disjointStep({ ...t.p, tasks: [{ name: 'x', loss: 3 as unknown as () => tf.Scalar }] }),
      'invalid-problem',
      'task 0 ("x"): loss must be a function',
    );
    expectError(
      () =>
        disjointStep({
          ...t.p,
          tasks: [t.p.tasks[0]!, { name: 'v', loss: () => tf.sum(t.w, 0, true) as tf.Scalar }],
        }),
      'not-scalar',
      'task 1 ("v"): the loss must be a scalar, got a tensor of shape [1]',
    );
    t.dispose();
  });

  it('bad options: extra weight, optimizer, onNonFinite', () => {
    const t = problem({});
    expectError(
      () => disjointStep({ ...t.p, extra: { weight: -1, loss: () => tf.scalar(0) } }),
      'invalid-option',
      'got -1',
    );
    expectError(
      () => disjointStep({ ...t.p, optimizer: {} as tf.Optimizer }),
      'invalid-option',
      'optimizer must be a tf.Optimizer',
    );
    expectError(
      () => disjointStep({ ...t.p, onNonFinite: 'ignore' as 'skip' }),
      'invalid-option',
      'got ignore',
    );
    t.dispose();
  });

  it('feature mode: rows outside the batch, a backbone that changes the batch size', () => {
    const W = vec([1, 2], [2, 1]);
    const x = tf.ones([3, 2]);
    const base: FeatureStepProblem = {
      backbone: { variables: [W], apply: (inp) => tf.matMul(inp as tf.Tensor2D, W) },
      input: x,
      tasks: [{ name: 'a', rows: [0, 3], loss: (f) => tf.sum(f) as tf.Scalar }],
      aggregator: mean(),
      optimizer: tf.train.sgd(0.1),
    };
    expectError(
      () => featureStep(base),
      'invalid-problem',
      'task 0 ("a"): rows[1] = 3 is not a row index of a batch of 3',
    );
    expectError(
      () =>
        featureStep({ ...base, tasks: [{ name: 'a', rows: [0.5], loss: (f) => tf.sum(f) as tf.Scalar }] }),
      'invalid-problem',
      'rows[0] = 0.5',
    );
    expectError(
      () => featureStep({ ...base, backbone: { variables: [W], apply: (inp) => tf.sum(inp, 0, true) } }),
      'invalid-problem',
      'input has 3 rows, features have shape [1,2]',
    );
    tf.dispose([W, x]);
    base.optimizer.dispose();
  });

  it('tfjs without registered gradients: a no-gradients error saying what to import', () => {
    const t = problem({});
    const add = tf.getGradient(tf.Add)!;
    tf.unregisterGradient(tf.Add);
    try {
      expectError(() => disjointStep(t.p), 'no-gradients', '@tensorflow/tfjs');
    } finally {
      tf.registerGradient(add);
    }
    t.dispose();
  });
});

describe('applyTaskGradients: the second half, for runners that compute tasks elsewhere', () => {
  it('gives the same update as disjointStep and disposes every tensor it was handed', () => {
    const a = problem({ extra: (w) => tf.sum(tf.square(w)) as tf.Scalar });
    const b = problem({ extra: (w) => tf.sum(tf.square(w)) as tf.Scalar });
    const ra = disjointStep(a.p);
    const grads = b.p.tasks.map((task, i) => disjointTaskGradient(task, b.p.shared, i));
    const extra = closureGradient(b.p.extra!.loss, [b.w, ...b.h]);
    const handed = [
      ...grads.flatMap((g) => [...Object.values(g.shared), ...Object.values(g.own)]),
      ...Object.values(extra.grads),
    ];
    const rb = applyTaskGradients(grads, b.p, { gradient: extra, weight: b.p.extra!.weight });
    expect(handed.every((t) => t.isDisposed)).toBe(true);
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(rb.losses).toEqual(ra.losses);
    expect(rb.extraLoss).toEqual(ra.extraLoss);
    a.dispose();
    b.dispose();
  });
});
