/**
 * The second half of a step: per-task gradients in, one optimizer update out. Shared variables get the
 * aggregated update d = Σ w_i g_i (weights from any `Aggregator` of the contract), each task's own variables get
 * that task's gradient (torchjd's `mtl_backward` convention), and an optional coupled loss adds λ ∇L_extra to
 * every variable after aggregation (how CGR's Conflict Descent Loss plugs in, DESIGN §6).
 */
import type { Aggregator, GramDiagnostics } from '@cs-dfd/gramian';
import { GramianError } from '@cs-dfd/gramian';
import { aggregate, disposeMaps } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { MultitaskError, taskLabel } from './errors.js';
import type { ExtraGradient, TaskGradient } from './task-gradient.js';

/** What to do when a loss or gradient is NaN/±Inf. */
export type NonFinitePolicy = 'skip' | 'throw';

/** Options shared by every way of running a step. */
export interface ApplyOptions {
  /** Any method of the aggregation contract (a `Weighting` or a `VectorAggregator`). */
  aggregator: Aggregator;
  /** Any `tf.Optimizer`; it receives one gradient map per step through `applyGradients`. */
  optimizer: tf.Optimizer;
  /**
   * `'skip'` (default): leave the variables untouched and return `{ skipped: true, reason }`; a trainer counts
   * these. `'throw'`: throw a `MultitaskError` with code `non-finite`.
   */
  onNonFinite?: NonFinitePolicy;
  /**
   * Gradient hand-over for diagnostics (e.g. `EmaCosineTracker`, DESIGN §3.2): called once per applied step with
   * the per-task gradients of the shared variables exactly as the aggregator received them (task order, keyed by
   * variable name) and the task names. It runs after the Gram matrix showed them finite and before the optimizer
   * update. The tensors belong to the step and are disposed when the step returns: they are only valid during
   * the call (clone what must outlive it; do not dispose them). Not called on a skipped step. If it throws, the
   * step is abandoned before the update (variables and optimizer untouched) and the error propagates.
   */
  onTaskGradients?: TaskGradientsCallback;
}

/** See {@link ApplyOptions.onTaskGradients}. */
export type TaskGradientsCallback = (
  grads: ReadonlyArray<tf.NamedTensorMap>,
  names: readonly string[],
) => void;

/** Wall times of one step, milliseconds. */
export interface StepTiming {
  total: number;
  /** One entry per task: its forward+backward. */
  perTask: number[];
  /** The coupled extra loss's gradient (0 without one). */
  extra: number;
  /** Feature-cotangent mode's tape-free backbone forward (0 in disjoint mode). */
  features: number;
  /** Gram matrix, weighting and combination. */
  aggregate: number;
  /** Building the final update and `optimizer.applyGradients` (and the `onTaskGradients` callback). */
  apply: number;
}

interface StepCommon {
  /** Task names, in task order. */
  tasks: string[];
  /** Per-task losses before the update, in task order. */
  losses: number[];
  /** The coupled extra loss before the update, when one was given. */
  extraLoss?: number;
  timing: StepTiming;
}

/** A step whose update was applied. */
export interface AppliedStep extends StepCommon {
  skipped: false;
  /** Weights chosen by the aggregator (empty for vector aggregators). */
  weights: Float64Array;
  /** K×K Gram matrix of the shared-variable gradients, row-major. */
  G: Float64Array;
  /** Norms, cosines, conflicts and per-task first-order decrease <g_i, d> of the aggregated shared update. */
  diagnostics: GramDiagnostics;
  /** The method's own numbers (e.g. the UVS certificate). */
  info: Readonly<Record<string, number>>;
}

/** A step that was not applied because something was not finite. */
export interface SkippedStep extends StepCommon {
  skipped: true;
  /** Human-readable, names the task (and the variable when known). */
  reason: string;
  /** Name of the offending task; `"extra"` for the coupled loss, `"shared"` when G overflowed with finite gradients. */
  task: string;
  /** Its index; -1 when no single task is at fault (`"extra"`, `"shared"`). */
  taskIndex: number;
  /** Offending variable, when the problem is a gradient. */
  variable?: string;
}

/** Result of a step. */
export type StepResult = AppliedStep | SkippedStep;

/** The coupled extra term: its gradient and its weight λ. */
export interface WeightedExtra {
  gradient: ExtraGradient;
  weight: number;
}

interface Fault {
  reason: string;
  task: string;
  taskIndex: number;
  variable?: string;
}

/** Checks options that do not depend on the tasks. */
export function checkApplyOptions(options: ApplyOptions): void {
  const { optimizer, onNonFinite } = options;
  if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.applyGradients !== 'function') {
    throw new MultitaskError('invalid-option', 'optimizer must be a tf.Optimizer (it has no applyGradients)');
  }
  if (onNonFinite !== undefined && onNonFinite !== 'skip' && onNonFinite !== 'throw') {
    throw new MultitaskError(
      'invalid-option',
      `onNonFinite must be 'skip' or 'throw', got ${String(onNonFinite)}`,
    );
  }
  if (options.onTaskGradients !== undefined && typeof options.onTaskGradients !== 'function') {
    throw new MultitaskError(
      'invalid-option',
      `onTaskGradients must be a function, got ${typeof options.onTaskGradients}`,
    );
  }
  const agg = options.aggregator as { name?: unknown } | null;
  if (agg === null || typeof agg !== 'object' || typeof agg.name !== 'string') {
    throw new MultitaskError('invalid-option', 'aggregator must be a Weighting or VectorAggregator');
  }
}

/** Throws `invalid-option` unless λ is a finite number >= 0. */
export function checkExtraWeight(weight: number): void {
  if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
    throw new MultitaskError(
      'invalid-option',
      `extra.weight (λ) must be a finite number >= 0, got ${weight}`,
    );
  }
}

/** First non-finite loss, else first non-finite task-specific or extra gradient (one download for all of them). */
function findFault(grads: readonly TaskGradient[], extra: WeightedExtra | undefined): Fault | undefined {
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i]!;
    if (!Number.isFinite(g.loss)) {
      return { reason: `${taskLabel(i, g.name)}: loss is ${g.loss}`, task: g.name, taskIndex: i };
    }
  }
  if (extra !== undefined && !Number.isFinite(extra.gradient.loss)) {
    return { reason: `extra loss is ${extra.gradient.loss}`, task: 'extra', taskIndex: -1 };
  }
  // Shared gradients are checked by the Gram matrix (G is finite iff they are, barring overflow), so only the
  // task-specific and extra gradients need a pass of their own.
  const where: Array<{ index: number; name: string; variable: string }> = [];
  const tensors: tf.Tensor[] = [];
  grads.forEach((g, i) =>
    Object.entries(g.own).forEach(([v, t]) => {
      where.push({ index: i, name: g.name, variable: v });
      tensors.push(t);
    }),
  );
  if (extra !== undefined) {
    Object.entries(extra.gradient.grads).forEach(([v, t]) => {
      where.push({ index: -1, name: 'extra', variable: v });
      tensors.push(t);
    });
  }
  if (tensors.length === 0) return undefined;
  const flags = tf.tidy(() => tf.stack(tensors.map((t) => tf.all(tf.isFinite(t)))));
  const ok = flags.dataSync();
  flags.dispose();
  const bad = ok.findIndex((f) => !f);
  if (bad < 0) return undefined;
  const w = where[bad]!;
  return {
    reason: `${taskLabel(w.index, w.name)}: gradient of "${w.variable}" contains NaN or Inf`,
    task: w.name,
    taskIndex: w.index,
    variable: w.variable,
  };
}

function disposeAll(grads: readonly TaskGradient[], extra: WeightedExtra | undefined): void {
  for (const g of grads) disposeMaps(g.shared, g.own);
  if (extra !== undefined) disposeMaps(extra.gradient.grads);
}

/**
 * Aggregates the shared gradients, adds task-specific gradients and λ ∇L_extra, and applies the result with the
 * optimizer. Takes ownership of every tensor in `grads` and `extra` (all are disposed, whatever happens).
 */
export function applyTaskGradients(
  grads: readonly TaskGradient[],
  options: ApplyOptions,
  extra?: WeightedExtra,
  timing: { features?: number; started?: number } = {},
): StepResult {
  const started = timing.started ?? performance.now();
  const common = (): StepCommon => ({
    tasks: grads.map((g) => g.name),
    losses: grads.map((g) => g.loss),
    ...(extra === undefined ? {} : { extraLoss: extra.gradient.loss }),
    timing: {
      total: 0,
      perTask: grads.map((g) => g.ms),
      extra: extra?.gradient.ms ?? 0,
      features: timing.features ?? 0,
      aggregate: 0,
      apply: 0,
    },
  });
  const skip = (fault: Fault): SkippedStep => {
    if (options.onNonFinite === 'throw') {
      throw new MultitaskError('non-finite', fault.reason, {
        task: fault.task,
        taskIndex: fault.taskIndex,
        ...(fault.variable === undefined ? {} : { variable: fault.variable }),
      });
    }
    const out: SkippedStep = { ...common(), skipped: true, ...fault };
    out.timing.total = performance.now() - started;
    return out;
  };

  let update: tf.NamedTensorMap | undefined;
  try {
    const fault = findFault(grads, extra);
    if (fault !== undefined) return skip(fault);

    const t0 = performance.now();
    const names = grads.map((g) => g.name);
    let agg: ReturnType<typeof aggregate>;
    try {
      agg = aggregate(
        grads.map((g) => g.shared),
        options.aggregator,
        names,
      );
    } catch (e) {
      if (e instanceof GramianError && e.code === 'non-finite') {
        const i = e.task ?? -1;
        return skip({
          reason: i >= 0 ? e.message : `shared gradients: ${e.message}`,
          task: i >= 0 ? names[i]! : 'shared',
          taskIndex: i,
          ...(e.parameter === undefined ? {} : { variable: e.parameter }),
        });
      }
      throw e;
    }
    update = agg.update;
    const t1 = performance.now();
    // after t1: the callback's time counts in `timing.apply`, so `timing.aggregate` stays the method's own cost
    options.onTaskGradients?.(
      grads.map((g) => g.shared),
      names,
    );

    const final = tf.tidy(() => {
      const lambda = extra?.weight ?? 0;
      const plusExtra = (key: string, t: tf.Tensor): tf.Tensor => {
        const e = extra?.gradient.grads[key];
        return e === undefined || lambda === 0 ? tf.clone(t) : tf.add(t, tf.mul(e, tf.scalar(lambda)));
      };
      const out: tf.NamedTensorMap = {};
      for (const [k, t] of Object.entries(agg.update)) out[k] = plusExtra(k, t);
      for (const g of grads) for (const [k, t] of Object.entries(g.own)) out[k] = plusExtra(k, t);
      return out;
    });
    try {
      options.optimizer.applyGradients(final);
    } finally {
      disposeMaps(final);
    }
    const t2 = performance.now();
    const out: AppliedStep = {
      ...common(),
      skipped: false,
      weights: agg.weights,
      G: agg.G,
      diagnostics: agg.diagnostics,
      info: agg.info,
    };
    out.timing.aggregate = t1 - t0;
    out.timing.apply = t2 - t1;
    out.timing.total = t2 - started;
    return out;
  } finally {
    if (update !== undefined) disposeMaps(update);
    disposeAll(grads, extra);
  }
}
