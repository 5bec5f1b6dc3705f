/**
 * @packageDocumentation
 * The reusable multi-task / multi-source training step on TensorFlow.js (DESIGN §3.3): per-task gradients over
 * shared and task-specific variables, in disjoint-batch or feature-cotangent mode, aggregated by any method of the
 * `@cs-dfd/gramian` contract, plus an optional coupled loss added after aggregation, applied with any
 * `tf.Optimizer`, with the diagnostics a trainer logs.
 */
export {
  type AppliedStep,
  type ApplyOptions,
  applyTaskGradients,
  type NonFinitePolicy,
  type SkippedStep,
  type StepResult,
  type StepTiming,
  type TaskGradientsCallback,
  type WeightedExtra,
} from './apply.js';
export { MultitaskError, type MultitaskErrorCode } from './errors.js';
export {
  type DisjointStepProblem,
  disjointStep,
  type ExtraLoss,
  type FeatureStepProblem,
  featureStep,
} from './step.js';
export {
  type Backbone,
  closureGradient,
  type DisjointTask,
  disjointTaskGradient,
  type ExtraGradient,
  type FeatureContext,
  type FeatureTask,
  featureExtraGradient,
  featureTaskGradient,
  type TaskGradient,
} from './task-gradient.js';
export { asVariables, type LayerVariableLike, type Trainable } from './variables.js';
// The worker pool (Node-only: node:worker_threads) is the `@cs-dfd/multitask/workers` subpath, so this entry
// bundles for the browser.
