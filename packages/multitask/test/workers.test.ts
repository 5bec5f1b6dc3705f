import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { mean } from '@cs-dfd/gramian';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disjointStep, disjointTaskGradient, type TaskGradient } from '../src/index.js';
import {
  parallelDisjointStep,
  type Replica,
  TaskWorkerPool,
  WorkerPoolError,
  workerExecArgv,
} from '../src/workers/index.js';
// @ts-expect-error: plain JavaScript replica module (workers import it as is), no declaration file
import { createReplica } from './workers-model.mjs';

const MODULE = new URL('./workers-model.mjs', import.meta.url);
const OPTIONS = { seed: 3 };
const makeModel = (options: object = OPTIONS): Replica => createReplica(options) as Replica;

/** Sub-batch of task k: 3 images 6×6×2 and 0/1 labels, different per task and per call. */
function batch(k: number, call: number): tf.Tensor[] {
  const seed = 1000 * call + k;
  return [
    tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', seed),
    tf.cast(tf.greater(tf.randomUniform([3, 1], 0, 1, 'float32', seed + 500), 0.5), 'float32'),
  ];
}

function disposeModel(m: Replica): void {
  tf.dispose([...m.shared, ...m.tasks.flatMap((t) => t.variables ?? [])]);
}

function disposeGrads(gs: readonly TaskGradient[]): void {
  for (const g of gs) tf.dispose([...Object.values(g.shared), ...Object.values(g.own)]);
}

/** Max |a - b| / (1 + |b|) over every gradient, matching variables by position (names differ between models). */
function maxRelDiff(a: TaskGradient, aModel: Replica, b: TaskGradient, bModel: Replica, k: number): number {
  const pairs = [
    ...aModel.shared.map((v, i) => [a.shared[v.name]!, b.shared[bModel.shared[i]!.name]!] as const),
    ...(aModel.tasks[k]!.variables ?? []).map(
      (v, i) => [a.own[v.name]!, b.own[bModel.tasks[k]!.variables![i]!.name]!] as const,
    ),
  ];
  let worst = 0;
  for (const [x, y] of pairs) {
    expect(x.shape).toEqual(y.shape);
    const xs = x.dataSync();
    const ys = y.dataSync();
    for (let i = 0; i < xs.length; i++)
      worst = Math.max(worst, Math.abs(xs[i]! - ys[i]!) / (1 + Math.abs(ys[i]!)));
  }
  return worst;
}

/** The single-thread reference: `disjointTaskGradient` per task on the main thread. */
function reference(model: Replica, inputs: tf.Tensor[][]): TaskGradient[] {
  return model.tasks.map((t, k) =>
    disjointTaskGradient(
      { name: t.name, variables: t.variables ?? [], loss: () => t.loss(inputs[k]!) },
      model.shared,
      k,
    ),
  );
}

describe('TaskWorkerPool', () => {
  let two: TaskWorkerPool;
  let mixed: TaskWorkerPool;
  let model: Replica;
  let mixedModel: Replica;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = makeModel();
    mixedModel = makeModel();
    [two, mixed] = await Promise.all([
      TaskWorkerPool.start({ module: MODULE, options: OPTIONS, model, workers: 2 }),
      TaskWorkerPool.start({
        module: MODULE,
        options: OPTIONS,
        model: mixedModel,
        workers: 1,
        mainThread: true,
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([two?.close(), mixed?.close()]);
    disposeModel(model);
    disposeModel(mixedModel);
  });

  it('places tasks on two workers, or on the main thread and one worker', () => {
    expect(two.placement).toEqual([0, 1]);
    expect(mixed.placement).toEqual(['main', 0]);
    expect(two.backends).toEqual(['cpu', 'cpu']);
  });

  it('gives the per-task gradients of the single-thread path, after parameter updates too', async () => {
    // The pool's model and a reference model start equal and take the same SGD steps: each step's gradients must
    // match, so the workers must have picked up the updated parameters.
    const ref = makeModel();
    const optA = tf.train.sgd(0.5);
    const optB = tf.train.sgd(0.5);
    try {
      for (let call = 0; call < 3; call++) {
        const inputs = [batch(0, call), batch(1, call)];
        const expected = reference(ref, inputs);
        const got = await two.taskGradients(inputs);
        for (let k = 0; k < 2; k++) {
          expect(got[k]!.name).toBe(`source${k}`);
          expect(got[k]!.loss).toBeCloseTo(expected[k]!.loss, 6);
          expect(maxRelDiff(got[k]!, model, expected[k]!, ref, k)).toBeLessThan(1e-6);
        }
        // A large step, so stale parameters in a worker would show in the next comparison.
        const a = await parallelDisjointStep(two, inputs, { aggregator: mean(), optimizer: optA });
        const b = disjointStep({
          shared: ref.shared,
          tasks: ref.tasks.map((t, k) => ({ ...t, loss: () => t.loss(inputs[k]!) })),
          aggregator: mean(),
          optimizer: optB,
        });
        expect(a.skipped).toBe(false);
        expect(a.losses[0]).toBeCloseTo(b.losses[0]!, 6);
        expect(a.losses[1]).toBeCloseTo(b.losses[1]!, 6);
        disposeGrads([...expected, ...got]);
        tf.dispose(inputs.flat());
      }
    } finally {
      optA.dispose();
      optB.dispose();
      disposeModel(ref);
    }
  });

  it('main thread + one worker gives the same gradients as two workers', async () => {
    const inputs = [batch(0, 7), batch(1, 7)];
    // Align the two pools' models first (the other test trained `model`).
    mixedModel.shared.forEach((v, i) => v.assign(model.shared[i]!));
    mixedModel.tasks.forEach((t, k) =>
      t.variables?.forEach((v, i) => v.assign(model.tasks[k]!.variables![i]!)),
    );
    const a = await two.taskGradients(inputs);
    const b = await mixed.taskGradients(inputs);
    for (let k = 0; k < 2; k++) expect(maxRelDiff(b[k]!, mixedModel, a[k]!, model, k)).toBeLessThan(1e-6);
    disposeGrads([...a, ...b]);
    tf.dispose(inputs.flat());
  });

  it('leaks no tensors on the main thread or in the workers over many steps', async () => {
    const optimizer = tf.train.adam(0.01);
    const inputs = [batch(0, 9), batch(1, 9)];
    const step = () => parallelDisjointStep(two, inputs, { aggregator: mean(), optimizer });
    await step(); // Adam creates its slots on the first step
    await mixed.taskGradients(inputs).then(disposeGrads);
    const main = tf.memory().numTensors;
    const workers = two.workerTensors();
    const mixedWorkers = mixed.workerTensors();
    for (let i = 0; i < 10; i++) {
      await step();
      disposeGrads(await mixed.taskGradients(inputs));
    }
    expect(tf.memory().numTensors).toBe(main);
    expect(two.workerTensors()).toEqual(workers);
    expect(mixed.workerTensors()).toEqual(mixedWorkers);
    optimizer.dispose();
    tf.dispose(inputs.flat());
  });

  it('rejects bad inputs before any worker starts, naming the task', async () => {
    const good = batch(0, 11);
    const before = tf.memory().numTensors;
    await expect(two.taskGradients([good])).rejects.toMatchObject({ code: 'invalid-input' });
    const s = tf.tensor1d(['a'], 'string');
    await expect(two.taskGradients([good, [s]])).rejects.toThrow(
      /task 1 \("source1"\): input 0 .* got string/,
    );
    await expect(two.taskGradients([good, []])).rejects.toThrow(
      /task 1 \("source1"\): inputs must be a non-empty/,
    );
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(good);
  });

  it("reports a worker's failure with the task's name", async () => {
    const failing = makeModel({ ...OPTIONS, failTask: 1 });
    const pool = await TaskWorkerPool.start({
      module: MODULE.href,
      options: { ...OPTIONS, failTask: 1 },
      model: failing,
      workers: 1,
      mainThread: true,
    });
    try {
      const inputs = [batch(0, 12), batch(1, 12)];
      const before = tf.memory().numTensors;
      const err = await pool.taskGradients(inputs).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerPoolError);
      expect(err).toMatchObject({ code: 'worker-failed', task: 'source1', taskIndex: 1, worker: 0 });
      expect((err as Error).message).toMatch(/task 1 \("source1"\) on worker 0: .*asked to fail/);
      // The main thread's own task 0 result was disposed with the failure.
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(inputs.flat());
    } finally {
      const codes = await pool.close();
      expect(codes).toHaveLength(1);
      disposeModel(failing);
    }
    await expect(pool.taskGradients([])).rejects.toMatchObject({ code: 'closed' });
  });

  it('refuses a worker replica that differs from the main model', async () => {
    const other = makeModel({ ...OPTIONS, hidden: 5 });
    try {
      await expect(
        TaskWorkerPool.start({ module: MODULE, options: OPTIONS, model: other, workers: 1 }),
      ).rejects.toThrow(
        /worker 0's replica differs: shared variable 2: shape \[36,3\] where the main thread has \[36,5\]/,
      );
    } finally {
      disposeModel(other);
    }
  });

  it('checks its options', async () => {
    await expect(TaskWorkerPool.start({ module: 'workers-model.mjs', model })).rejects.toMatchObject({
      code: 'invalid-option',
    });
    await expect(TaskWorkerPool.start({ module: MODULE, model, workers: 0 })).rejects.toThrow(
      /workers must be an integer >= 1, got 0/,
    );
    await expect(
      TaskWorkerPool.start({ module: MODULE, model, workerScript: new URL('./nowhere.js', import.meta.url) }),
    ).rejects.toMatchObject({ code: 'not-built' });
  });

  it('close() terminates every worker and waits for its exit', async () => {
    const m = makeModel();
    const pool = await TaskWorkerPool.start({ module: MODULE, options: OPTIONS, model: m, workers: 2 });
    const pending = pool.close();
    expect(pool.close()).toBe(pending); // idempotent
    // terminate() ends a worker with exit code 1; both 'exit' events must have fired for close() to resolve.
    expect(await pending).toEqual([1, 1]);
    disposeModel(m);
  });
});

describe('TaskWorkerPool with replica state', () => {
  const STATE = { seed: 3, state: true };
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const workers of [1, 2]) {
    it(`${workers} worker(s): every task starts from the main thread's state and returns its own`, async () => {
      const model = makeModel(STATE);
      const pool = await TaskWorkerPool.start({ module: MODULE, options: STATE, model, workers });
      try {
        expect(pool.layout.state.size).toBe(2);
        for (const [call, start] of [
          [0, [1, -2]],
          [1, [0.25, 3]],
        ] as const) {
          model.state![0]!.assign(tf.tensor1d([...start]));
          const inputs = [batch(0, call), batch(1, call)];
          disposeGrads(await pool.taskGradients(inputs));
          const states = pool.taskStates();
          expect(states).toHaveLength(2);
          for (let k = 0; k < 2; k++) {
            const m = tf.mean(inputs[k]![0]!, [0, 1, 2]).dataSync();
            const want = start.map((s, c) => 0.5 * s + m[c]!);
            expect(states[k]).toHaveLength(1);
            Array.from(states[k]![0]!).forEach((v, c) => {
              expect(v).toBeCloseTo(want[c]!, 6);
            });
          }
          // The main thread's state is the caller's to update: the pool left it alone.
          expect(Array.from(model.state![0]!.dataSync())).toEqual([...start]);
          tf.dispose(inputs.flat());
        }
      } finally {
        await pool.close();
        disposeModel(model);
        tf.dispose(model.state as tf.Variable[]);
      }
    });
  }

  it('refuses mainThread with a replica that has state, and a worker replica whose state differs', async () => {
    const model = makeModel(STATE);
    try {
      await expect(
        TaskWorkerPool.start({ module: MODULE, options: STATE, model, workers: 1, mainThread: true }),
      ).rejects.toMatchObject({ code: 'invalid-option', message: expect.stringMatching(/state/) });
      await expect(
        TaskWorkerPool.start({ module: MODULE, options: OPTIONS, model, workers: 1 }),
      ).rejects.toMatchObject({
        code: 'replica-mismatch',
        message: expect.stringMatching(/state: 0 variables where the main thread has 1/),
      });
    } finally {
      disposeModel(model);
      tf.dispose(model.state as tf.Variable[]);
    }
  });
});

describe('workerExecArgv', () => {
  it('keeps ordinary flags and drops the ones that break a worker, with their values', () => {
    expect(
      workerExecArgv([
        '--expose-gc',
        '--conditions',
        '@cs-dfd/source',
        '-C=development',
        '--input-type=module',
        '-e',
        'console.log(1)',
        '--max-old-space-size=4096',
      ]),
    ).toEqual(['--expose-gc', '--max-old-space-size=4096']);
  });
});
