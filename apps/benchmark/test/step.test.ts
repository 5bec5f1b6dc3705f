import { initBackend } from '@cs-dfd/backend';
import { disjointTaskGradient, type TaskGradient } from '@cs-dfd/multitask';
import { TaskWorkerPool } from '@cs-dfd/multitask/workers';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createReplica, type StepModelOptions } from '../src/perf/step-model.js';

// Workers load compiled JavaScript: the replica module is the build of src/perf/step-model.ts (pnpm build first).
const MODULE = new URL('../dist/perf/step-model.js', import.meta.url);
const OPTIONS: StepModelOptions = { backend: 'wasm', sources: ['original', 'synthesized'], size: 16 };

function maxRelDiff(a: tf.NamedTensorMap, b: tf.NamedTensorMap): number {
  let worst = 0;
  for (const [name, t] of Object.entries(b)) {
    const x = a[name]!.dataSync();
    const y = t.dataSync();
    expect(x.length).toBe(y.length);
    for (let i = 0; i < y.length; i++)
      worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / (1 + Math.abs(y[i]!)));
  }
  return worst;
}

it('two wasm workers give the per-source gradients of the main-thread wasm path, and exit on close', async () => {
  await initBackend({ backend: 'wasm' });
  const model = createReplica(OPTIONS);
  const pool = await TaskWorkerPool.start({ module: MODULE, options: OPTIONS, model, workers: 2 });
  try {
    expect(pool.backends).toEqual(['wasm', 'wasm']);
    const inputs = [0, 1].map((k) => [
      tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 5 + k),
      tf.tensor2d([[k], [1 - k]]),
    ]);
    const before = tf.memory().numTensors;
    const got = await pool.taskGradients(inputs);
    const expected: TaskGradient[] = model.tasks.map((t, k) =>
      disjointTaskGradient({ name: t.name, loss: () => t.loss(inputs[k]!) }, model.shared, k),
    );
    for (let k = 0; k < 2; k++) {
      expect(got[k]!.loss).toBeCloseTo(expected[k]!.loss, 6);
      expect(maxRelDiff(got[k]!.shared, expected[k]!.shared)).toBeLessThan(1e-5);
    }
    // Not a vacuous match: the two sources' gradients differ.
    expect(maxRelDiff(got[0]!.shared, got[1]!.shared)).toBeGreaterThan(1e-3);
    for (const g of [...got, ...expected]) tf.dispose(Object.values(g.shared));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(inputs.flat());
  } finally {
    expect(await pool.close()).toEqual([1, 1]);
    tf.dispose(model.shared as tf.Variable[]);
  }
});
