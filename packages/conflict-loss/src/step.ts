/**
 * One CS-DFD training step with CGR (DESIGN §3.3, §6): per-source gradients g_k of the BCE losses on a shared
 * backbone + head, aggregated by any method of the contract (UVS in CS-DFD), plus λ∇L_cd.
 */

import { bceWithLogits } from '@cs-dfd/backend/ops';
import type { ApplyOptions, Backbone, FeatureTask, StepResult, TaskGradient } from '@cs-dfd/multitask';
import { applyTaskGradients, featureStep, featureTaskGradient } from '@cs-dfd/multitask';
import * as tf from '@tensorflow/tfjs-core';
import {
  type ConflictLossOptions,
  type ResolvedLoss,
  resolvedConflictLoss,
  resolveLoss,
} from './conflict-loss.js';
import { ConflictLossError } from './errors.js';
import { type CgrDiagnostics, checkWeight, readDiagnostics, resolvedConflictExtra } from './extra.js';
import { type GenericHead, type ResolvedHead, type StandardHead, standardLogits } from './head.js';
import { checkBatch } from './sources.js';

/**
 * How ∇_f L_cd reaches the backbone:
 * - `fused` (default): source k's share of the L_cd cotangent, scaled by `fusedScale`, rides on that source's
 *   own backbone backward pass. The step then costs what a feature-mode step without CGR costs plus head-level
 *   work: about one extra backbone forward over a disjoint step (DESIGN §3.3). The aggregator sees
 *   g_k + fusedScale·λ·e_k (e_k = backbone part of ∇L_cd through source k's rows), so the backbone update is
 *   Σ w_k g_k + λ Σ_k (fusedScale·w_k) e_k: exactly aggregate(g) + λ∇L_cd when w_k = 1/fusedScale (the mean
 *   with the default fusedScale = K); with UVS, whose weights stay near 1/K, each source's share is reweighted by
 *   K·w_k. Head variables always get exactly λ∇L_cd.
 * - `exact`: `featureStep` with L_cd as its `extra` term: d = aggregate(g_1..g_K) + λ∇L_cd exactly, for one more
 *   backbone forward+backward over the whole batch.
 */
export type CgrSplit = 'fused' | 'exact';

/** CGR's options. */
export interface CgrOptions extends ConflictLossOptions {
  /** λ >= 0, default 0.1: L_cd ∈ [0, 1] while BCE starts near 0.69, so CGR shapes the features without taking over. */
  weight?: number;
  /** Default `'fused'` (see {@link CgrSplit}). */
  split?: CgrSplit;
  /** `fused` only: factor on each source's L_cd cotangent; default K (exact for the mean weighting). */
  fusedScale?: number;
}

/** A source of the batch: its name (the task name in the step's result) and its rows. */
export interface CgrSource {
  name: string;
  rows: ArrayLike<number>;
}

/** A CGR step: backbone → features → head, K sources on disjoint (or shared) rows of one batch. */
export interface CgrStepProblem extends ApplyOptions {
  backbone: Backbone;
  /** The batch, rows on axis 0. */
  input: tf.Tensor;
  /** The detector head (standard) or any head with its per-source loss (generic; needs `mode: 'generic'`). */
  head: StandardHead | GenericHead;
  /**
   * The head's trainable variables, shared by all sources. Default for a standard head: its four `vars` (which
   * must then be `tf.Variable`s). Required for a generic head.
   */
  headVariables?: readonly tf.Variable[];
  /** Per-row labels in [0, 1], length N. */
  labels: ArrayLike<number>;
  sources: readonly CgrSource[];
  cgr?: CgrOptions;
}

/** The multitask step's result plus CGR's diagnostics (before the update). */
export type CgrStepResult = StepResult & { cgr: CgrDiagnostics };

function headVariablesOf(problem: CgrStepProblem, head: ResolvedHead): tf.Variable[] {
  if (problem.headVariables !== undefined) return [...problem.headVariables];
  if (head.kind !== 'standard') {
    throw new ConflictLossError('invalid-head', 'headVariables', 'is required for a generic head');
  }
  const vars = head.head.vars;
  return (['Wp', 'bp', 'v', 'b'] as const).map((role) => {
    const t = vars[role];
    if (!(t instanceof tf.Variable)) {
      throw new ConflictLossError(
        'invalid-head',
        `head.vars.${role}`,
        'is not a tf.Variable; pass headVariables',
      );
    }
    return t;
  });
}

/** Per-source BCE of the head on that source's features. */
function sourceLoss(head: ResolvedHead, labels: tf.Tensor1D) {
  if (head.kind === 'standard') {
    const standard = head.head;
    return (fk: tf.Tensor): tf.Scalar =>
      tf.tidy(() => bceWithLogits(standardLogits(standard, fk as tf.Tensor2D), labels) as tf.Scalar);
  }
  const generic = head.head;
  return (fk: tf.Tensor): tf.Scalar => generic.loss(fk as tf.Tensor2D, labels);
}

/**
 * One training step with CGR: d = aggregate(g_1..g_K) + λ∇L_cd (see {@link CgrSplit} for how exactly), applied
 * with the problem's optimizer. Returns the multitask step result (losses, weights, Gram diagnostics of the
 * shared gradients, timings; `skipped` when something was not finite) and `cgr`: L_cd and the head-gradient
 * cosines before the update.
 *
 * `onTaskGradients` (from `ApplyOptions`) receives the per-source gradients the aggregator saw: g_k with split
 * `exact`; g_k + fusedScale·λ·e_k (the source's share of ∇L_cd on the backbone) with split `fused`.
 */
export function cgrStep(problem: CgrStepProblem): CgrStepResult {
  const started = performance.now();
  const opts = problem.cgr ?? {};
  const weight = checkWeight(opts.weight ?? 0.1);
  const split = opts.split ?? 'fused';
  if (split !== 'fused' && split !== 'exact') {
    throw new ConflictLossError('invalid-option', 'split', `'${String(split)}' is not fused or exact`);
  }
  const resolved = resolveLoss(opts, problem.head);
  const N = problem.input.shape[0] ?? 0;
  const batch = { labels: problem.labels, sources: problem.sources.map((s) => s.rows) };
  const checked = checkBatch(batch, N);
  const K = checked.K;
  const fusedScale = opts.fusedScale ?? K;
  if (!(Number.isFinite(fusedScale) && fusedScale >= 0)) {
    throw new ConflictLossError(
      'invalid-option',
      'fusedScale',
      `must be a finite number >= 0, got ${fusedScale}`,
    );
  }
  const headVars = headVariablesOf(problem, resolved.head);
  const labelsOf = (k: number) => tf.tensor1d(Array.from(checked.rows[k]!, (n) => checked.labels[n]!));
  const ys = problem.sources.map((_, k) => labelsOf(k));
  try {
    if (split === 'exact') {
      const extra = resolvedConflictExtra(resolved, batch, weight);
      const result = featureStep({
        aggregator: problem.aggregator,
        optimizer: problem.optimizer,
        ...(problem.onNonFinite === undefined ? {} : { onNonFinite: problem.onNonFinite }),
        ...(problem.onTaskGradients === undefined ? {} : { onTaskGradients: problem.onTaskGradients }),
        backbone: problem.backbone,
        input: problem.input,
        headShared: headVars,
        tasks: problem.sources.map((s, k) => ({
          name: s.name,
          rows: s.rows,
          loss: sourceLoss(resolved.head, ys[k]!),
        })),
        extra,
      });
      return { ...result, cgr: extra.diagnostics()! };
    }
    return fusedStep(problem, {
      checked,
      ys,
      headVars,
      weight,
      scale: fusedScale * weight,
      resolved,
      batch,
      started,
    });
  } finally {
    tf.dispose(ys);
  }
}

interface FusedContext {
  checked: ReturnType<typeof checkBatch>;
  ys: tf.Tensor1D[];
  headVars: tf.Variable[];
  weight: number;
  scale: number;
  resolved: ResolvedLoss;
  batch: { labels: ArrayLike<number>; sources: ArrayLike<number>[] };
  started: number;
}

/**
 * Adds ⟨f, c⟩ to a loss with value 0: the loss's value is unchanged and its gradient at f gains c. This is how a
 * source's share of the L_cd cotangent joins that source's own backbone backward pass.
 */
function injectCotangent(f: tf.Tensor, c: tf.Tensor): tf.Scalar {
  const op = tf.customGrad((x) => {
    const shape = (x as tf.Tensor).shape;
    return { value: tf.scalar(0), gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.reshape(c, shape)) };
  });
  return op(f) as tf.Scalar;
}

function fusedStep(problem: CgrStepProblem, ctx: FusedContext): CgrStepResult {
  const t0 = performance.now();
  const features = tf.tidy(() => tf.clone(problem.backbone.apply(problem.input))) as tf.Tensor2D;
  const featuresMs = performance.now() - t0;
  const grads: TaskGradient[] = [];
  const owned: tf.Tensor[] = [features];
  try {
    // L_cd on a head-only tape: its cotangent at every feature row and its head-variable gradients.
    const te = performance.now();
    let diagnostics: CgrDiagnostics | undefined;
    const taped = tf.engine().gradients(
      () => {
        const { loss, cosines } = resolvedConflictLoss(ctx.resolved, features, ctx.batch);
        diagnostics = readDiagnostics(loss, cosines);
        cosines.dispose();
        return loss;
      },
      [features, ...ctx.headVars],
      undefined,
      true,
    );
    const [cFeatures, ...cHead] = taped.grads as Array<tf.Tensor | undefined>;
    const lcd = taped.value.dataSync()[0]!;
    taped.value.dispose();
    const headGrads: tf.NamedTensorMap = {};
    ctx.headVars.forEach((v, i) => {
      headGrads[v.name] = cHead[i] ?? tf.zerosLike(v);
    });
    const extraMs = performance.now() - te;

    // Per source: its own BCE plus its scaled share of the L_cd cotangent, one backbone backward on its rows.
    const shares = ctx.checked.rows.map((rows): tf.Tensor | null =>
      cFeatures === undefined || ctx.scale === 0
        ? null
        : tf.tidy(() => tf.mul(tf.gather(cFeatures, tf.tensor1d(rows, 'int32')), ctx.scale)),
    );
    cFeatures?.dispose();
    for (const s of shares) if (s !== null) owned.push(s);
    const context = { backbone: problem.backbone, input: problem.input, features, headShared: ctx.headVars };
    problem.sources.forEach((source, k) => {
      const own = sourceLoss(ctx.resolved.head, ctx.ys[k]!);
      const share = shares[k];
      const task: FeatureTask = {
        name: source.name,
        rows: source.rows,
        loss: share == null ? own : (fk) => tf.add(own(fk), injectCotangent(fk, share)) as tf.Scalar,
      };
      grads.push(featureTaskGradient(task, context, k));
    });
    const result = applyTaskGradients(
      grads.splice(0),
      problem,
      { gradient: { loss: lcd, grads: headGrads, ms: extraMs }, weight: ctx.weight },
      { started: ctx.started, features: featuresMs },
    );
    return { ...result, cgr: diagnostics! };
  } finally {
    for (const g of grads) tf.dispose([...Object.values(g.shared), ...Object.values(g.own)]);
    tf.dispose(owned);
  }
}
