/**
 * Per-task gradients, one task at a time. Each function here depends only on its arguments (and the current
 * values of the variables), allocates only the tensors it returns, and never touches the optimizer: per-task work
 * is independent, so a runner may compute tasks on worker threads and hand the results to `applyTaskGradients`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MultitaskError, taskLabel } from './errors.js';
import { filledGradients, takeScalar, tapeGradients } from './tape.js';
import { asVariables, namedMap, type Trainable } from './variables.js';

/** One task's loss and gradients. The holder owns the tensors (`applyTaskGradients` disposes them). */
export interface TaskGradient {
  name: string;
  /** The task's loss (may be NaN/Inf: the step decides what to do with it). */
  loss: number;
  /** Gradient over the shared variables, keyed by variable name; zeros where the loss ignores a variable. */
  shared: tf.NamedTensorMap;
  /** Gradient over the task's own variables (its head), keyed by variable name. */
  own: tf.NamedTensorMap;
  /** Wall time spent on this task, milliseconds. */
  ms: number;
}

/** Gradient of the coupled extra loss over every variable of the problem (shared and task-specific). */
export interface ExtraGradient {
  loss: number;
  grads: tf.NamedTensorMap;
  ms: number;
}

/** A task in disjoint mode: its loss closure evaluates the model on the task's own sub-batch. */
export interface DisjointTask {
  name: string;
  /** The task's loss on its own samples, computed from the variables (a forward pass under the tape). */
  loss: () => tf.Scalar;
  /** Variables only this task uses (its head). They receive this task's gradient only. */
  variables?: readonly Trainable[];
}

/**
 * Disjoint mode (DESIGN §3.3): one forward+backward of the task's own loss on its own sub-batch, differentiated
 * over the shared variables and the task's own variables. Over all tasks this costs one pass over the batch, as
 * joint training does.
 */
export function disjointTaskGradient(
  task: DisjointTask,
  sharedVariables: readonly Trainable[],
  index = 0,
): TaskGradient {
  const t0 = performance.now();
  const shared = asVariables(sharedVariables, 'shared');
  const own = asVariables(task.variables ?? [], `${taskLabel(index, task.name)}: variables`);
  const xs = [...shared, ...own];
  const { value, grads } = tapeGradients(task.loss, xs, index, task.name);
  const all = filledGradients(grads, xs);
  return {
    name: task.name,
    loss: takeScalar(value),
    shared: namedMap(shared, all.slice(0, shared.length)),
    own: namedMap(own, all.slice(shared.length)),
    ms: performance.now() - t0,
  };
}

/** Gradient of a coupled loss closure over `variables` (disjoint mode's extra term). */
export function closureGradient(loss: () => tf.Scalar, trainables: readonly Trainable[]): ExtraGradient {
  const t0 = performance.now();
  const variables = asVariables(trainables, 'extra: variables');
  const { value, grads } = tapeGradients(loss, variables, -1, 'extra');
  return {
    loss: takeScalar(value),
    grads: namedMap(variables, filledGradients(grads, variables)),
    ms: performance.now() - t0,
  };
}

/** The shared backbone of feature-cotangent mode: input rows -> feature rows (batch on axis 0). */
export interface Backbone {
  variables: readonly Trainable[];
  apply: (input: tf.Tensor) => tf.Tensor;
}

/** A task in feature-cotangent mode: a head-level loss of the features of its rows. */
export interface FeatureTask {
  name: string;
  /**
   * The task's loss from the features of its rows (in `rows` order; all rows when `rows` is absent). Only
   * head-level work belongs here: it runs under a tape that does not reach the backbone.
   */
  loss: (features: tf.Tensor) => tf.Scalar;
  /**
   * Batch rows this task's loss reads. The backbone backward for the task then runs on these rows only, so
   * disjoint sources cost one backbone pass in total. Absent: every row (shared samples).
   */
  rows?: ArrayLike<number>;
  /** Head variables only this task uses. */
  variables?: readonly Trainable[];
}

/** What every task of one feature-cotangent step shares. `features` = backbone.apply(input), computed once. */
export interface FeatureContext {
  backbone: Backbone;
  input: tf.Tensor;
  features: tf.Tensor;
  /** Head variables used by every task (e.g. one classifier shared by all sources). */
  headShared: readonly Trainable[];
}

/** Checks that rows are integers in [0, n) and returns them as int32. */
export function checkRows(rows: ArrayLike<number>, n: number, index: number, name: string): Int32Array {
  const out = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r]!;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new MultitaskError(
        'invalid-problem',
        `${taskLabel(index, name)}: rows[${r}] = ${v} is not a row index of a batch of ${n}`,
        { task: name, taskIndex: index },
      );
    }
    out[r] = v;
  }
  if (out.length === 0) {
    throw new MultitaskError('invalid-problem', `${taskLabel(index, name)}: rows is empty`, {
      task: name,
      taskIndex: index,
    });
  }
  return out;
}

/**
 * Backbone vector-Jacobian product: ∂/∂θ Σ f(x) ⊙ c with c held constant, i.e. the backbone's gradient when the
 * loss's cotangent at the features is c. The forward is recomputed under the tape (tfjs keeps no graph).
 */
function backboneVjp(
  backbone: Backbone,
  variables: readonly tf.Variable[],
  input: tf.Tensor,
  cotangent: tf.Tensor,
  index: number,
  name: string,
) {
  const { value, grads } = tapeGradients(
    () => tf.sum(tf.mul(backbone.apply(input), cotangent)),
    variables,
    index,
    name,
  );
  value.dispose();
  return filledGradients(grads, variables);
}

/**
 * Feature-cotangent mode (DESIGN §3.3): the task's head-level loss is differentiated, on a tape over the head
 * only, with respect to its feature rows (the cotangent c) and the head variables; then the backbone is
 * differentiated on the task's rows with `dy = c`. Shared = backbone variables then the shared head variables.
 */
export function featureTaskGradient(task: FeatureTask, ctx: FeatureContext, index = 0): TaskGradient {
  const t0 = performance.now();
  const own = asVariables(task.variables ?? [], `${taskLabel(index, task.name)}: variables`);
  const backbone = asVariables(ctx.backbone.variables, 'backbone.variables');
  const headShared = asVariables(ctx.headShared, 'headShared');
  const n = ctx.features.shape[0] ?? 0;
  const idx = task.rows === undefined ? null : checkRows(task.rows, n, index, task.name);
  const [fk, xk] = idx === null ? [ctx.features, ctx.input] : gatherRows(idx, ctx.features, ctx.input);
  try {
    const headVars = [...headShared, ...own];
    const head = tapeGradients(() => task.loss(fk), [fk, ...headVars], index, task.name);
    const [c, ...headGrads] = filledGradients(head.grads, [fk, ...headVars]);
    const back = backboneVjp(ctx.backbone, backbone, xk, c!, index, task.name);
    c!.dispose();
    const nShared = headShared.length;
    return {
      name: task.name,
      loss: takeScalar(head.value),
      shared: {
        ...namedMap(backbone, back),
        ...namedMap(headShared, headGrads.slice(0, nShared)),
      },
      own: namedMap(own, headGrads.slice(nShared)),
      ms: performance.now() - t0,
    };
  } finally {
    if (idx !== null) {
      fk.dispose();
      xk.dispose();
    }
  }
}

function gatherRows(idx: Int32Array, features: tf.Tensor, input: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const i = tf.tensor1d(idx, 'int32');
    return [tf.gather(features, i), tf.gather(input, i)];
  });
}

/**
 * Gradient of a coupled head-level loss of the whole batch's features (CGR's Conflict Descent Loss) over every
 * variable: a head tape gives its cotangent at the features and its head-variable gradients, and one backbone
 * backward on the full batch carries the cotangent into the backbone (skipped when the loss ignores the features).
 */
export function featureExtraGradient(
  loss: (features: tf.Tensor) => tf.Scalar,
  ctx: FeatureContext,
  taskVariables: readonly Trainable[],
): ExtraGradient {
  const t0 = performance.now();
  const backbone = asVariables(ctx.backbone.variables, 'backbone.variables');
  const headVars = [
    ...asVariables(ctx.headShared, 'headShared'),
    ...asVariables(taskVariables, 'task variables'),
  ];
  const head = tapeGradients(() => loss(ctx.features), [ctx.features, ...headVars], -1, 'extra');
  const [c, ...rest] = head.grads;
  const back =
    c === undefined
      ? backbone.map((v) => tf.zerosLike(v))
      : backboneVjp(ctx.backbone, backbone, ctx.input, c, -1, 'extra');
  c?.dispose();
  return {
    loss: takeScalar(head.value),
    grads: {
      ...namedMap(backbone, back),
      ...namedMap(headVars, filledGradients(rest, headVars)),
    },
    ms: performance.now() - t0,
  };
}
