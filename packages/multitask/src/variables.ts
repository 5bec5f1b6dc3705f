/**
 * Bookkeeping of which variables are shared and which belong to one task. Gradients are keyed by
 * `variable.name`, the key `tf.Optimizer.applyGradients` looks variables up by, so a variable listed twice (or in
 * two groups) would silently receive two updates: reject it instead.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { MultitaskError } from './errors.js';

/** A named group of variables, for messages: "shared", "backbone", `task 1 ("syn")`. */
export interface VariableGroup {
  label: string;
  variables: readonly tf.Variable[];
  /** Task the group belongs to, when it is a task's own group. */
  task?: { name: string; index: number };
}

/** Throws `invalid-problem` naming both groups when a variable appears twice across `groups`. */
export function checkDisjointGroups(groups: readonly VariableGroup[]): void {
  const owner = new Map<string, string>();
  for (const g of groups) {
    for (const v of g.variables) {
      const prev = owner.get(v.name);
      if (prev !== undefined) {
        const where = prev === g.label ? `twice in ${g.label}` : `in both ${prev} and ${g.label}`;
        throw new MultitaskError('invalid-problem', `variable "${v.name}" is listed ${where}`, {
          variable: v.name,
          ...(g.task ? { task: g.task.name, taskIndex: g.task.index } : {}),
        });
      }
      owner.set(v.name, g.label);
    }
  }
}

/** Throws `invalid-problem` for an empty task list or duplicate / empty task names. */
export function checkTaskNames(names: readonly string[]): void {
  if (names.length === 0) throw new MultitaskError('invalid-problem', 'no tasks given (K = 0)');
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (typeof n !== 'string' || n.length === 0) {
      throw new MultitaskError('invalid-problem', `task ${i} has no name (got ${JSON.stringify(n)})`, {
        taskIndex: i,
      });
    }
    if (seen.has(n)) {
      throw new MultitaskError('invalid-problem', `task name "${n}" is used twice (task ${i})`, {
        task: n,
        taskIndex: i,
      });
    }
    seen.add(n);
  });
}

/** Zips variables with their gradients into a map keyed by variable name. */
export function namedMap(variables: readonly tf.Variable[], grads: readonly tf.Tensor[]): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  variables.forEach((v, i) => {
    out[v.name] = grads[i]!;
  });
  return out;
}

/**
 * A tf.layers `LayerVariable` (what `model.trainableWeights` / `layer.getWeights`-side APIs hand out): it wraps a
 * `tf.Variable` that `read()` returns. Typed structurally so this package needs no tfjs-layers dependency.
 */
export interface LayerVariableLike {
  readonly name: string;
  read(): tf.Tensor;
}

/** What a step trains: plain `tf.Variable`s, tf.layers `LayerVariable`s (`model.trainableWeights`), or both. */
export type Trainable = tf.Variable | LayerVariableLike;

const isVariable = (v: unknown): v is tf.Variable =>
  typeof v === 'object' && v !== null && typeof (v as tf.Variable).assign === 'function' && 'trainable' in v;

/**
 * The `tf.Variable`s behind `list`: a `tf.Variable` is kept, a `LayerVariable` is replaced by the variable its
 * `read()` returns (the one tf.layers itself trains, so the model sees every update). Anything else is an
 * `invalid-problem` naming `where` and the position.
 */
export function asVariables(list: readonly Trainable[], where: string): tf.Variable[] {
  if (!Array.isArray(list)) {
    throw new MultitaskError(
      'invalid-problem',
      `${where}: expected an array of variables, got ${typeof list}`,
    );
  }
  return list.map((v, i) => {
    if (isVariable(v)) return v;
    if (typeof v === 'object' && v !== null && typeof (v as LayerVariableLike).read === 'function') {
      const inner = (v as LayerVariableLike).read();
      if (isVariable(inner)) return inner;
    }
    throw new MultitaskError(
      'invalid-problem',
      `${where}[${i}] is neither a tf.Variable nor a tf.layers LayerVariable (got ${describe(v)})`,
      { variable: String((v as { name?: unknown } | null)?.name ?? i) },
    );
  });
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? typeof v;
  return (v as object).constructor?.name ?? 'object';
}
