/**
 * One training step on a loader batch (DESIGN §3.3, §6): per-source gradients, the method's aggregation, CGR,
 * the optimizer. A non-finite loss or gradient is not applied (multitask's `onNonFinite: 'skip'`).
 */
import { cgrStep } from '@cs-dfd/conflict-loss';
import type { Batch, FakeSource, SubBatch } from '@cs-dfd/data';
import type { Detector } from '@cs-dfd/detectors';
import type { EmaCosineTracker } from '@cs-dfd/gramian/tfjs';
import { disjointStep, type StepResult, type TaskGradientsCallback } from '@cs-dfd/multitask';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from './config.js';
import type { MethodPlan } from './method.js';

/** What the log keeps of one step. */
export interface StepRecord {
  step: number;
  skipped: boolean;
  reason?: string;
  lr: number;
  /** Per-source BCE before the update, by source name. */
  losses: Record<string, number>;
  /** Per-source gradient norms (shared variables). */
  gradNorms?: Record<string, number>;
  /** cos(g_original, g_synthesized) of this minibatch (two sources only). */
  cosine?: number;
  /**
   * Cosine of the EMAs of the two sources' gradients (DESIGN §3.2's low-noise estimate; two sources only, applied
   * steps only), when the step was given an {@link StepOptions.emaCosine} tracker.
   */
  emaCosine?: number;
  /**
   * Per-source first-order decrease <g_i, d> of the aggregated update d = Σ w_j g_j, from the Gram matrix the
   * aggregator saw (DESIGN §3.2): negative means the step increases that source's loss to first order. Weightings
   * only (a vector aggregator such as GradDrop has no weights).
   */
  decrease?: Record<string, number>;
  /** ||d|| = sqrt(wᵀ G w) of that update (weightings only). */
  updateNorm?: number;
  /** Aggregation weights. */
  weights?: number[];
  /** The method's numbers, e.g. UVS's certificate (primal, dual, gap, radius). */
  info?: Record<string, number>;
  /** CGR: L_cd and the head-gradient cosine before the update. */
  lcd?: number;
  headCosine?: number;
  ms: number;
}

/** Fakes per source kept from the loader's sub-batch (ratio × batch size, at least one). */
export function fakesPerSource(config: TrainConfig, source: FakeSource): number {
  return Math.max(1, Math.round(config.sources[source] * config.train.batchSize));
}

/** Host arrays of one step after the source ratios: the shared reals, then each source's fakes. */
export interface StepData {
  /** [reals; fakes of source 0; fakes of source 1] as one NHWC float32 batch. */
  images: Float32Array;
  size: number;
  reals: number;
  /** Rows of each source in `images` (its reals then its fakes), in plan order. */
  rows: number[][];
  labels: Float32Array;
}

/** Packs a loader batch for the plan: the reals once, then `fakesPerSource` fakes of each source. */
export function packBatch(batch: Batch, plan: MethodPlan, config: TrainConfig): StepData {
  const subs = plan.sources.map((s) => {
    const sub = batch.sources[s];
    if (sub === undefined) throw new Error(`loader batch ${batch.step} has no '${s}' sub-batch`);
    return sub;
  });
  const first = subs[0] as SubBatch;
  const [, size] = first.shape;
  const per = size * size * 3;
  const reals = first.kinds.filter((k) => k === 'real').length;
  const counts = plan.sources.map((s) => fakesPerSource(config, s));
  const n = reals + counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(n * per);
  const labels = new Float32Array(n);
  images.set((first.images as Float32Array).subarray(0, reals * per), 0);
  const rows: number[][] = [];
  let at = reals;
  subs.forEach((sub, k) => {
    const c = counts[k]!;
    images.set((sub.images as Float32Array).subarray(reals * per, (reals + c) * per), at * per);
    labels.fill(1, at, at + c);
    rows.push([
      ...Array.from({ length: reals }, (_, i) => i),
      ...Array.from({ length: c }, (_, i) => at + i),
    ]);
    at += c;
  });
  return { images, size, reals, rows, labels };
}

/** The learning rate at `step` (0-based) of `total`: linear warm-up, then constant or cosine decay. */
export function learningRate(config: TrainConfig, step: number): number {
  const { lr } = config.optimizer;
  const { kind, warmup, minFactor } = config.schedule;
  if (step < warmup) return (lr * (step + 1)) / (warmup + 1);
  if (kind === 'constant') return lr;
  const span = Math.max(1, config.train.steps - warmup - 1);
  const t = Math.min(1, (step - warmup) / span);
  return lr * (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/**
 * Sets the learning rate of any tfjs optimizer. SGD and momentum keep it as a scalar tensor that only their own
 * `setLearningRate` renews (assigning `learningRate` alone left them at `optimizer.lr` for the whole run); Adam
 * reads the property on every `applyGradients`.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** Optional per-step instruments of {@link runStep}. */
export interface StepOptions {
  /**
   * Folds the per-source shared-variable gradients the aggregator saw into this tracker on every applied step
   * (multitask's `onTaskGradients` hand-over, so no extra backward pass) and logs `emaCosine`.
   */
  emaCosine?: EmaCosineTracker;
}

/**
 * The same gradients keyed by each variable's position in `detector.trainableVariables()` (`"0"`, `"1"`, ...):
 * variable names carry a per-process detector counter, so a resumed run (which loads a new detector) would not
 * find the names the EMAs were saved under. The tensors are not copied.
 */
function byPosition(grads: tf.NamedTensorMap, detector: Detector): tf.NamedTensorMap {
  const position = new Map(detector.trainableVariables().map((v, i) => [v.name, String(i)]));
  const out: tf.NamedTensorMap = {};
  for (const [name, t] of Object.entries(grads)) {
    const p = position.get(name);
    if (p === undefined)
      throw new Error(`gradient of "${name}", which is not a trainable variable of the detector`);
    out[p] = t;
  }
  return out;
}

/**
 * The `onTaskGradients` hand-over that folds the step's per-source gradients into `options.emaCosine` (none
 * without a tracker), and the cosine of the EMAs it left (after the step).
 */
export function taskGradientsHandOver(
  detector: Detector,
  options: StepOptions,
): { options: { onTaskGradients?: TaskGradientsCallback }; emaCosines: () => number[] | undefined } {
  const tracker = options.emaCosine;
  let emaCosines: number[] | undefined;
  const onTaskGradients: TaskGradientsCallback | undefined =
    tracker === undefined
      ? undefined
      : (grads) => {
          emaCosines = tracker.update(grads.map((g) => byPosition(g, detector)));
        };
  return { options: onTaskGradients === undefined ? {} : { onTaskGradients }, emaCosines: () => emaCosines };
}

/** The log record of a step's result (`ms` 0: the caller times the step; CGR's fields are the caller's). */
export function stepRecord(
  plan: MethodPlan,
  result: StepResult,
  step: number,
  lr: number,
  emaCosines: number[] | undefined,
): StepRecord {
  const losses = Object.fromEntries(plan.sources.map((s, k) => [s, result.losses[k]!]));
  const record: StepRecord = { step, skipped: result.skipped, lr, losses, ms: 0 };
  if (result.skipped) {
    record.reason = result.reason;
    return record;
  }
  record.gradNorms = Object.fromEntries(plan.sources.map((s, k) => [s, result.diagnostics.norms[k]!]));
  if (plan.sources.length === 2) record.cosine = result.diagnostics.cosines[1]!;
  if (plan.sources.length === 2 && emaCosines !== undefined) record.emaCosine = emaCosines[1]!;
  const { decrease, updateNorm } = result.diagnostics;
  if (decrease !== undefined) {
    record.decrease = Object.fromEntries(plan.sources.map((s, k) => [s, decrease[k]!]));
  }
  if (updateNorm !== undefined) record.updateNorm = updateNorm;
  record.weights = Array.from(result.weights);
  record.info = { ...result.info };
  return record;
}

/**
 * Runs one step. Without CGR: `disjointStep`, one forward+backward per source sub-batch (reals shared, so the
 * reals are computed once per source — the cost of joint training on the same sub-batches). With CGR:
 * `cgrStep` on the merged batch, rows of the reals belonging to both sources.
 *
 * BatchNorm: the moving statistics are updated once per forward on training data. In disjoint mode that is once per
 * source sub-batch; in CGR's feature mode the backbone runs more than once on the same rows, so only its first
 * (whole-batch) forward updates them.
 */
export function runStep(
  detector: Detector,
  optimizer: tf.Optimizer,
  plan: MethodPlan,
  config: TrainConfig,
  data: StepData,
  step: number,
  lr: number,
  options: StepOptions = {},
): { record: StepRecord; result: StepResult } {
  const started = performance.now();
  const handOver = taskGradientsHandOver(detector, options);
  const S = data.size;
  const x = tf.tensor4d(data.images, [data.labels.length, S, S, 3]);
  // The forward passes fold batch statistics into BatchNorm's moving averages before the step knows whether its
  // gradients are finite; a skipped step must not leave NaN there, so they are restored from this copy.
  const movingStats = detector.stateVariables();
  const statsBefore = movingStats.map((v) => tf.clone(v));
  try {
    let result: StepResult;
    let lcd: number | undefined;
    let headCosine: number | undefined;
    if (plan.cgr && plan.sources.length === 2 && step >= config.cgr.warmupSteps) {
      let first = true;
      const backbone = {
        variables: detector.backboneVariables(),
        apply: (input: tf.Tensor) => {
          const f = detector.features(input as tf.Tensor4D, true, { updateStats: first });
          first = false;
          return f;
        },
      };
      const r = cgrStep({
        backbone,
        input: x,
        head: detector.head,
        headVariables: detector.headVariables(),
        labels: data.labels,
        sources: plan.sources.map((name, k) => ({ name, rows: data.rows[k]! })),
        aggregator: plan.aggregator,
        optimizer,
        onNonFinite: 'skip',
        ...handOver.options,
        cgr: {
          weight: config.cgr.weight,
          mode: config.cgr.mode,
          rho: config.cgr.rho,
          split: config.cgr.split,
        },
      });
      result = r;
      lcd = r.cgr.loss;
      headCosine = r.cgr.meanCosine;
    } else {
      const subs = data.rows.map((rows) =>
        tf.tidy(() => {
          const idx = tf.tensor1d(rows, 'int32');
          return {
            x: tf.gather(x, idx) as tf.Tensor4D,
            y: tf.gather(tf.tensor1d(data.labels), idx) as tf.Tensor1D,
          };
        }),
      );
      try {
        result = disjointStep({
          shared: detector.trainableVariables(),
          tasks: plan.sources.map((name, k) => ({
            name,
            loss: () => detector.loss(subs[k]!.x, subs[k]!.y, true),
          })),
          aggregator: plan.aggregator,
          optimizer,
          onNonFinite: 'skip',
          ...handOver.options,
        });
      } finally {
        for (const s of subs) tf.dispose([s.x, s.y]);
      }
    }
    const record = stepRecord(plan, result, step, lr, handOver.emaCosines());
    if (result.skipped) movingStats.forEach((v, i) => v.assign(statsBefore[i]!));
    if (lcd !== undefined) record.lcd = lcd;
    if (headCosine !== undefined) record.headCosine = headCosine;
    record.ms = performance.now() - started;
    return { record, result };
  } finally {
    x.dispose();
    tf.dispose(statsBefore);
  }
}
