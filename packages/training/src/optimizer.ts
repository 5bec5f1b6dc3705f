/** The optimizer named by the config (tfjs's own implementations; the schedule sets the learning rate per step). */
import * as tf from '@tensorflow/tfjs-core';

/** A gradient with its variable's name (tfjs's `NamedTensor`, which the package does not export). */
type NamedTensor = { name: string; tensor: tf.Tensor };

import type { TrainConfig } from './config.js';
import { setLearningRate } from './step.js';

/** The variables of the two parameter groups (a `Detector` has both methods). */
export interface ParameterGroups {
  backboneVariables(): tf.Variable[];
  headVariables(): tf.Variable[];
}

/** One parameter group of a {@link GroupedOptimizer}: its own optimizer, run at `factor` × the schedule's rate. */
export interface OptimizerGroup {
  /** `backbone` or `head`: also the checkpoint's file name for this group's state. */
  name: string;
  factor: number;
  /** Null when `factor` is 0: the group's variables are never stepped, so there is no state to keep. */
  optimizer: tf.Optimizer | null;
  variables: ReadonlySet<string>;
}

function build(config: TrainConfig): tf.Optimizer {
  const o = config.optimizer;
  switch (o.name) {
    case 'adam':
      return tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon);
    case 'sgd':
      return tf.train.sgd(o.lr);
    case 'momentum':
      return tf.train.momentum(o.lr, o.momentum);
  }
}

/**
 * Parameter groups with their own learning rate: one tfjs optimizer per group, so each keeps its own moments
 * (under Adam, scaling a gradient does not scale the update; scaling the group's learning rate does). The step
 * hands it one aggregated gradient map, as it would a plain optimizer; the map is split by variable, each group's
 * part keeping its order (tfjs's optimizers key their slots by position). Setting `learningRate` sets every
 * group's to `factor` × it, so the warm-up and the decay apply to all.
 */
export class GroupedOptimizer extends tf.Optimizer {
  readonly groups: readonly OptimizerGroup[];
  private lr: number;

  /**
   * The prototype chain, not tfjs's duck typing: `tf.Optimizer` defines `Symbol.hasInstance` as "has
   * applyGradients", which every subclass inherits, so without this any tfjs optimizer would pass.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(GroupedOptimizer, x);
  }

  constructor(groups: readonly OptimizerGroup[], lr: number) {
    super();
    this.groups = groups;
    this.lr = lr;
    this.learningRate = lr;
  }

  get learningRate(): number {
    return this.lr;
  }

  set learningRate(lr: number) {
    this.lr = lr;
    for (const g of this.groups) {
      if (g.optimizer !== null) setLearningRate(g.optimizer, lr * g.factor);
    }
  }

  override applyGradients(grads: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(grads)
      ? grads
      : Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));
    const parts = this.groups.map(() => [] as NamedTensor[]);
    for (const g of list) {
      const k = this.groups.findIndex((group) => group.variables.has(g.name));
      if (k < 0) throw new Error(`gradient of "${g.name}", which is in no parameter group of the optimizer`);
      parts[k]!.push(g);
    }
    this.groups.forEach((g, k) => {
      if (g.optimizer !== null && parts[k]!.length > 0) g.optimizer.applyGradients(parts[k]!);
    });
  }

  /** The most steps any group has taken (each group's count is its own state, restored with it). */
  override get iterations(): number {
    return Math.max(0, ...this.groups.map((g) => g.optimizer?.iterations ?? 0));
  }

  override dispose(): void {
    for (const g of this.groups) g.optimizer?.dispose();
    super.dispose();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { groups: this.groups.map((g) => `${g.name}×${g.factor}`).join(',') };
  }

  override getClassName(): string {
    return 'GroupedOptimizer';
  }
}

/**
 * A fresh optimizer for the config (learning rate = `optimizer.lr`; the schedule overrides it every step). With
 * `optimizer.backboneLrFactor` < 1 it is a {@link GroupedOptimizer} over `detector`'s backbone and head variables
 * (factor 0: the backbone is not stepped at all); at 1 it is the plain tfjs optimizer, the same code path as a run
 * without the key.
 */
export function makeOptimizer(config: TrainConfig, detector?: ParameterGroups): tf.Optimizer {
  const factor = config.optimizer.backboneLrFactor;
  if (factor === 1) return build(config);
  if (detector === undefined) {
    throw new Error(
      `optimizer.backboneLrFactor is ${factor}: makeOptimizer needs the detector to split its variables into groups`,
    );
  }
  const names = (vs: tf.Variable[]) => new Set(vs.map((v) => v.name));
  return new GroupedOptimizer(
    [
      {
        name: 'backbone',
        factor,
        optimizer: factor === 0 ? null : build(config),
        variables: names(detector.backboneVariables()),
      },
      { name: 'head', factor: 1, optimizer: build(config), variables: names(detector.headVariables()) },
    ],
    config.optimizer.lr,
  );
}
