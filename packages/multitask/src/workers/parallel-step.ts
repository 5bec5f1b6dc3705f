/** A whole disjoint-mode step with the per-task work on a {@link TaskWorkerPool}. */
import type * as tf from '@tensorflow/tfjs-core';
import { type ApplyOptions, applyTaskGradients, checkApplyOptions, type StepResult } from '../apply.js';
import type { TaskWorkerPool } from './pool.js';

/**
 * `disjointStep` with the per-task forward+backward on the pool's workers: the same gradients (to float
 * tolerance), the same aggregation, optimizer update, non-finite policy and result. `inputs[k]` is task k's
 * sub-batch. The coupled `extra` loss is not supported here (it needs every task's samples in one realm).
 */
export async function parallelDisjointStep(
  pool: TaskWorkerPool,
  inputs: readonly (readonly tf.Tensor[])[],
  options: ApplyOptions,
): Promise<StepResult> {
  const started = performance.now();
  checkApplyOptions(options);
  const grads = await pool.taskGradients(inputs);
  return applyTaskGradients(grads, options, undefined, { started });
}
