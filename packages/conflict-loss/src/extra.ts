/**
 * The Conflict Descent Loss as `@cs-dfd/multitask`'s coupled `extra` term: a function of the whole batch's
 * features that remembers, for the trainer's log, L_cd and the head-gradient cosines it saw (before the update).
 */
import type { ExtraLoss } from '@cs-dfd/multitask';
import * as tf from '@tensorflow/tfjs-core';
import {
  type ConflictLossOptions,
  type ResolvedLoss,
  resolvedConflictLoss,
  resolveLoss,
} from './conflict-loss.js';
import { ConflictLossError } from './errors.js';
import type { GenericHead, StandardHead } from './head.js';
import type { SourceBatch } from './sources.js';

/** What a CGR step reports: L_cd and the head-gradient cosines, both before the update. */
export interface CgrDiagnostics {
  /** L_cd. */
  loss: number;
  /** Number of sources. */
  K: number;
  /** K×K cosines of the per-source head gradients h_k, row-major (0 in the rows of a zero gradient). */
  cosines: Float64Array;
  /** Mean of cos(h_k, h_l) over pairs k < l (1 for K = 1). */
  meanCosine: number;
  /** Smallest pairwise cosine (1 for K = 1). */
  minCosine: number;
}

/** Reads L_cd and the cosine matrix into a {@link CgrDiagnostics} (one download). */
export function readDiagnostics(loss: tf.Scalar, cosines: tf.Tensor2D): CgrDiagnostics {
  const K = cosines.shape[0];
  const values = tf.tidy(() => tf.concat([tf.reshape(loss, [1]), tf.reshape(cosines, [-1])])).dataSync();
  const cos = Float64Array.from(values.subarray(1));
  let sum = 0;
  let min = 1;
  let pairs = 0;
  for (let k = 0; k < K; k++) {
    for (let l = k + 1; l < K; l++) {
      const c = cos[k * K + l]!;
      sum += c;
      min = Math.min(min, c);
      pairs++;
    }
  }
  return { loss: values[0]!, K, cosines: cos, meanCosine: pairs === 0 ? 1 : sum / pairs, minCosine: min };
}

/** λ: a finite number >= 0. */
export function checkWeight(weight: number): number {
  if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
    throw new ConflictLossError('invalid-option', 'weight', `λ must be a finite number >= 0, got ${weight}`);
  }
  return weight;
}

/** The `extra` term for `featureStep`, plus the diagnostics of its last evaluation. */
export interface ConflictExtra extends ExtraLoss<(features: tf.Tensor) => tf.Scalar> {
  /** L_cd and cosines seen by the last call of `loss` (undefined before the first). */
  diagnostics(): CgrDiagnostics | undefined;
}

/**
 * Builds `extra: { weight: λ, loss }` for `featureStep`: `loss(features)` is L_cd of the whole batch's features
 * with this batch's labels and source rows, so featureStep's update is d = aggregate(g_1..g_K) + λ∇L_cd exactly.
 * Rebuild it for every batch (labels and rows change). featureStep carries ∇_f L_cd into the backbone with one
 * backward pass over the whole batch; {@link cgrStep}'s `fused` split avoids that pass.
 */
export function conflictExtra(
  head: StandardHead | GenericHead,
  batch: SourceBatch,
  options: ConflictLossOptions & { weight: number },
): ConflictExtra {
  const weight = checkWeight(options.weight);
  return resolvedConflictExtra(resolveLoss(options, head), batch, weight);
}

/** {@link conflictExtra} of a resolved head and options, λ already checked (what `cgrStep` calls). */
export function resolvedConflictExtra(
  resolved: ResolvedLoss,
  batch: SourceBatch,
  weight: number,
): ConflictExtra {
  let last: CgrDiagnostics | undefined;
  return {
    weight,
    loss: (features) => {
      const { loss, cosines } = resolvedConflictLoss(resolved, features as tf.Tensor2D, batch);
      last = readDiagnostics(loss, cosines);
      cosines.dispose();
      return loss;
    },
    diagnostics: () => last,
  };
}
