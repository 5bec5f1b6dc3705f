/**
 * The training step with the per-source forward/backward on two worker threads (`train.workers`, DESIGN §12):
 * `@cs-dfd/multitask`'s `TaskWorkerPool` with the detector as replica ({@link detectorReplica}). Each step the pool
 * copies the weights and BatchNorm statistics to the workers, each worker computes one source's loss and gradient
 * on its sub-batch, and the main thread aggregates and applies them exactly as {@link runStep} does
 * (`applyTaskGradients`: same aggregator, optimizer, non-finite policy, `onTaskGradients` hand-over).
 *
 * BatchNorm: the main-thread step folds source 0's batch statistics into the moving statistics, then source 1's.
 * The workers return each source's batch statistics exactly (their detectors have momentum 0) and the main thread
 * replays the same two updates with the same ops, so the statistics, like the gradients, are those of the
 * main-thread step (bit for bit on one backend: the same kernels run on the same values; tested). A skipped step
 * folds nothing in, as the main-thread step restores its statistics.
 *
 * Not on workers: CGR (its Conflict Descent Loss couples both sources' head gradients and its feature pass runs
 * the backbone once over the merged batch, so the sources are not independent tasks) and the one-source methods
 * (one sub-batch: splitting it would change BatchNorm's batch statistics).
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Detector } from '@cs-dfd/detectors';
import type { StepResult } from '@cs-dfd/multitask';
import { parallelDisjointStep, TaskWorkerPool } from '@cs-dfd/multitask/workers';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, detectorSetup, type TrainConfig } from './config.js';
import type { MethodPlan } from './method.js';
import {
  type StepData,
  type StepOptions,
  type StepRecord,
  stepRecord,
  taskGradientsHandOver,
} from './step.js';
import { detectorReplica, type StepReplicaOptions } from './step-replica.js';

/** Worker threads of the two-worker step (one per source). */
export const STEP_WORKERS = 2;

/** Backends on which a worker thread adds a core: single-threaded in-realm backends (tfjs-node has its own threads). */
const WORKER_BACKENDS: ReadonlySet<string> = new Set(['wasm', 'cpu']);

/** Why the method cannot train on the step workers, or `undefined` when it can. */
export function workersUnsupported(plan: MethodPlan): string | undefined {
  if (plan.cgr) {
    return 'CGR couples both sources (its Conflict Descent Loss needs both head gradients in one realm)';
  }
  if (plan.sources.length !== STEP_WORKERS) {
    return 'a one-source method has a single sub-batch (splitting it would change BatchNorm batch statistics)';
  }
  return undefined;
}

/** `train.workers` resolved for this run, and why. */
export interface WorkersChoice {
  workers: 0 | 2;
  reason: string;
}

/** What `auto` looks at: the cores and the 1-minute load average (default: this machine's, now). */
export interface MachineLoad {
  cores: number;
  load: number;
}

/**
 * Resolves `train.workers`. `0`: the main thread. `2`: the two-worker step; a {@link ConfigError} naming
 * `train.workers` when the method cannot use it ({@link workersUnsupported}). `auto` (the rule from the
 * measurements in the training README, _Two step workers_): 2 when the method can use them, the backend is wasm or
 * cpu, the machine has at least 2 cores and its 1-minute load average is below its core count (two workers were
 * 0.65× the main thread on a quiet machine, 0.96–1.08× at load 17–33 on 2 cores); otherwise 0. Either choice gives
 * the same numbers bit for bit, so a load-dependent choice costs no reproducibility.
 */
export function resolveWorkers(
  config: TrainConfig,
  plan: MethodPlan,
  backend: string,
  machine: MachineLoad = { cores: availableParallelism(), load: loadavg()[0] ?? 0 },
): WorkersChoice {
  checkWorkers(config, plan);
  const setting = config.train.workers;
  const why = workersUnsupported(plan);
  if (setting === 0) return { workers: 0, reason: 'train.workers = 0' };
  if (setting === STEP_WORKERS) return { workers: 2, reason: 'train.workers = 2' };
  if (why !== undefined) return { workers: 0, reason: `auto: ${why}` };
  if (!WORKER_BACKENDS.has(backend))
    return { workers: 0, reason: `auto: backend ${backend} has its own threads` };
  const { cores, load } = machine;
  if (cores < 2) return { workers: 0, reason: `auto: ${cores} core` };
  if (load >= cores) {
    return { workers: 0, reason: `auto: load average ${load.toFixed(1)} >= ${cores} cores (no free core)` };
  }
  return {
    workers: 2,
    reason: `auto: two-source method on ${backend}, ${cores} cores, load average ${load.toFixed(1)}`,
  };
}

/** A {@link ConfigError} naming `train.workers` when it is 2 and the method cannot use the workers. */
export function checkWorkers(config: TrainConfig, plan: MethodPlan): void {
  const why = workersUnsupported(plan);
  if (config.train.workers === STEP_WORKERS && why !== undefined) {
    throw new ConfigError(
      `config: train.workers: 2 needs a two-source method without CGR; method ${JSON.stringify(plan.name)}${plan.cgr ? ' with cgr.enabled' : ''}: ${why}. Use 0 or auto`,
      'train.workers',
      config.train.workers,
    );
  }
}

/** One source's sub-batch as `[images, labels]` tensors, copied from the packed host arrays. */
function subBatch(data: StepData, rows: readonly number[]): tf.Tensor[] {
  const S = data.size;
  const per = S * S * 3;
  const images = new Float32Array(rows.length * per);
  const labels = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    images.set(data.images.subarray(r * per, (r + 1) * per), i * per);
    labels[i] = data.labels[r]!;
  });
  return [tf.tensor4d(images, [rows.length, S, S, 3]), tf.tensor1d(labels)];
}

/**
 * The two step workers of a run. {@link StepWorkers.start} them once, {@link StepWorkers.step} each step,
 * {@link StepWorkers.close} at the end (live workers keep the process alive). A worker's failure surfaces as the
 * pool's typed `WorkerPoolError` (code `worker-failed`, naming the source) from `step`.
 */
export class StepWorkers {
  private constructor(
    private readonly pool: TaskWorkerPool,
    private readonly detector: Detector,
    private readonly plan: MethodPlan,
  ) {}

  /** Starts two workers, each with a replica of `detector` on `backend` (a `@cs-dfd/backend` candidate name). */
  static async start(
    detector: Detector,
    plan: MethodPlan,
    config: TrainConfig,
    backend: string,
  ): Promise<StepWorkers> {
    const why = workersUnsupported(plan);
    if (why !== undefined) throw new ConfigError(`config: train.workers: ${why}`, 'train.workers', 2);
    const options: StepReplicaOptions = {
      backend,
      detector: detectorSetup(config).options as StepReplicaOptions['detector'],
      freezeBatchNorm: detector.freezeBatchNorm,
      sources: plan.sources,
    };
    const pool = await TaskWorkerPool.start({
      module: replicaModule(),
      options,
      model: detectorReplica(detector, plan.sources),
      workers: STEP_WORKERS,
    });
    return new StepWorkers(pool, detector, plan);
  }

  /** {@link runStep} with the per-source work on the workers: the same record and result (see the module). */
  async step(
    optimizer: tf.Optimizer,
    data: StepData,
    step: number,
    lr: number,
    options: StepOptions = {},
  ): Promise<{ record: StepRecord; result: StepResult }> {
    const started = performance.now();
    const handOver = taskGradientsHandOver(this.detector, options);
    const inputs = data.rows.map((rows) => subBatch(data, rows));
    let result: StepResult;
    try {
      result = await parallelDisjointStep(this.pool, inputs, {
        aggregator: this.plan.aggregator,
        optimizer,
        onNonFinite: 'skip',
        ...handOver.options,
      });
    } finally {
      tf.dispose(inputs.flat());
    }
    if (!result.skipped) this.foldBatchStatistics();
    const record = stepRecord(this.plan, result, step, lr, handOver.emaCosines());
    record.ms = performance.now() - started;
    return { record, result };
  }

  /** BatchNorm's update m·r + (1 − m)·b for each source's batch statistics b, in source order (layers.ts's ops). */
  private foldBatchStatistics(): void {
    if (this.detector.freezeBatchNorm) return;
    const momentum = this.detector.config.batchNorm.momentum;
    const stats = this.pool.taskStates();
    this.detector.stateVariables().forEach((v, i) => {
      for (const source of stats) {
        tf.tidy(() => {
          const b = tf.tensor(source[i]!, v.shape, 'float32');
          v.assign(tf.add(tf.mul(v, momentum), tf.mul(b, 1 - momentum)));
        });
      }
    });
  }

  /** Terminates the workers. Idempotent. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** The compiled replica module (workers run JavaScript): next to this module, or in `dist/` from the sources. */
function replicaModule(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/step-replica.js', here) : new URL('./step-replica.js', here);
}
