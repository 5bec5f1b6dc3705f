/**
 * One training step in either mode of DESIGN §3.3: per-task gradients, then `applyTaskGradients`.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type ApplyOptions,
  applyTaskGradients,
  checkApplyOptions,
  checkExtraWeight,
  type StepResult,
  type WeightedExtra,
} from './apply.js';
import { MultitaskError } from './errors.js';
import {
  type Backbone,
  closureGradient,
  type DisjointTask,
  disjointTaskGradient as disjointTaskGradientOf,
  type FeatureContext,
  type FeatureTask,
  featureExtraGradient,
  featureTaskGradient,
  type TaskGradient,
} from './task-gradient.js';
import {
  asVariables,
  checkDisjointGroups,
  checkTaskNames,
  type Trainable,
  type VariableGroup,
} from './variables.js';

/** A coupled loss added after aggregation: d = aggregate(g_1..g_K) + weight · ∇_θ loss. */
export interface ExtraLoss<Loss> {
  /** λ >= 0. */
  weight: number;
  loss: Loss;
}

/** A disjoint-mode step: each task evaluates its own sub-batch. */
export interface DisjointStepProblem extends ApplyOptions {
  /** Variables every task uses (the trunk); they receive the aggregated update. */
  shared: readonly Trainable[];
  tasks: readonly DisjointTask[];
  /** Coupled loss over all variables, recomputed from the variables by its closure. */
  extra?: ExtraLoss<() => tf.Scalar>;
}

/** A feature-cotangent-mode step: one batch through one backbone, head-level losses per task. */
export interface FeatureStepProblem extends ApplyOptions {
  backbone: Backbone;
  /** The batch (rows on axis 0); tasks select their rows with `rows`. */
  input: tf.Tensor;
  /** Head variables used by every task; shared, like the backbone. Default: none. */
  headShared?: readonly Trainable[];
  tasks: readonly FeatureTask[];
  /** Coupled head-level loss of the whole batch's features (e.g. CGR's Conflict Descent Loss). */
  extra?: ExtraLoss<(features: tf.Tensor) => tf.Scalar>;
}

function taskGroups(
  tasks: ReadonlyArray<{ name: string; variables?: readonly Trainable[] }>,
): VariableGroup[] {
  return tasks.map((t, i) => ({
    label: `task ${i} ("${t.name}")`,
    variables: asVariables(t.variables ?? [], `task ${i} ("${t.name}"): variables`),
    task: { name: t.name, index: i },
  }));
}

function checkLosses(tasks: ReadonlyArray<{ name: string; loss: unknown }>): void {
  tasks.forEach((t, i) => {
    if (typeof t.loss !== 'function') {
      throw new MultitaskError('invalid-problem', `task ${i} ("${t.name}"): loss must be a function`, {
        task: t.name,
        taskIndex: i,
      });
    }
  });
}

/** Computes every task's gradient, disposing those already computed if a later one throws. */
function collect(count: number, one: (i: number) => TaskGradient): TaskGradient[] {
  const out: TaskGradient[] = [];
  try {
    for (let i = 0; i < count; i++) out.push(one(i));
  } catch (e) {
    for (const g of out) for (const t of [...Object.values(g.shared), ...Object.values(g.own)]) t.dispose();
    throw e;
  }
  return out;
}

/**
 * Disjoint mode: each task's loss closure runs forward+backward on its own sub-batch (the deepfake case: original
 * and synthesized forgeries are different samples), so the K gradients together cost one pass over the batch.
 */
export function disjointStep(problem: DisjointStepProblem): StepResult {
  const started = performance.now();
  checkApplyOptions(problem);
  checkTaskNames(problem.tasks.map((t) => t.name));
  checkLosses(problem.tasks);
  checkDisjointGroups([
    { label: 'shared', variables: asVariables(problem.shared, 'shared') },
    ...taskGroups(problem.tasks),
  ]);
  if (problem.extra !== undefined) checkExtraWeight(problem.extra.weight);

  const grads = collect(problem.tasks.length, (i) => disjointTaskGradient(problem, i));
  let extra: WeightedExtra | undefined;
  try {
    if (problem.extra !== undefined) {
      const all = [...problem.shared, ...problem.tasks.flatMap((t) => t.variables ?? [])];
      extra = { gradient: closureGradient(problem.extra.loss, all), weight: problem.extra.weight };
    }
  } catch (e) {
    for (const g of grads) for (const t of [...Object.values(g.shared), ...Object.values(g.own)]) t.dispose();
    throw e;
  }
  return applyTaskGradients(grads, problem, extra, { started });
}

function disjointTaskGradient(problem: DisjointStepProblem, i: number): TaskGradient {
  return disjointTaskGradientOf(problem.tasks[i]!, problem.shared, i);
}

/**
 * Feature-cotangent mode: the backbone runs once without a tape to get the features; each task's head-level loss
 * gives its cotangent at the features on a cheap head-only tape; the backbone is then differentiated per task on
 * that task's rows with the cotangent as `dy`. Cost over disjoint mode: one extra backbone forward. Use it when
 * tasks share samples or when a coupled loss (CGR) needs the head-level quantities of every task.
 */
export function featureStep(problem: FeatureStepProblem): StepResult {
  const started = performance.now();
  checkApplyOptions(problem);
  checkTaskNames(problem.tasks.map((t) => t.name));
  checkLosses(problem.tasks);
  const headShared = problem.headShared ?? [];
  checkDisjointGroups([
    { label: 'backbone', variables: asVariables(problem.backbone.variables, 'backbone.variables') },
    { label: 'headShared', variables: asVariables(headShared, 'headShared') },
    ...taskGroups(problem.tasks),
  ]);
  if (problem.extra !== undefined) checkExtraWeight(problem.extra.weight);
  if (!(problem.input instanceof tf.Tensor) || problem.input.rank < 1) {
    throw new MultitaskError('invalid-problem', 'input must be a tensor with the batch on axis 0');
  }

  const tf0 = performance.now();
  // Cloned so that a backbone returning its input (or a variable) hands us a tensor we may dispose.
  const features = tf.tidy(() => {
    const f = problem.backbone.apply(problem.input);
    if (!(f instanceof tf.Tensor) || f.shape[0] !== problem.input.shape[0]) {
      const got = f instanceof tf.Tensor ? `shape [${f.shape}]` : typeof f;
      throw new MultitaskError(
        'invalid-problem',
        `backbone.apply must keep the batch on axis 0: input has ${problem.input.shape[0]} rows, features have ${got}`,
      );
    }
    return tf.clone(f);
  });
  const featuresMs = performance.now() - tf0;
  try {
    const ctx: FeatureContext = { backbone: problem.backbone, input: problem.input, features, headShared };
    const grads = collect(problem.tasks.length, (i) => featureTaskGradient(problem.tasks[i]!, ctx, i));
    let extra: WeightedExtra | undefined;
    try {
      if (problem.extra !== undefined) {
        const own = problem.tasks.flatMap((t) => t.variables ?? []);
        extra = {
          gradient: featureExtraGradient(problem.extra.loss, ctx, own),
          weight: problem.extra.weight,
        };
      }
    } catch (e) {
      for (const g of grads)
        for (const t of [...Object.values(g.shared), ...Object.values(g.own)]) t.dispose();
      throw e;
    }
    return applyTaskGradients(grads, problem, extra, { started, features: featuresMs });
  } finally {
    features.dispose();
  }
}
