/**
 * The Conflict Descent Loss of DESIGN §6: per-source head gradients h_k, their pairwise cosines, and
 * L_cd = mean_{k<l} ρ(cos(h_k, h_l)), as a tfjs expression of the features and the head tensors, so one ordinary
 * backward pass gives ∇L_cd with respect to both.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConflictLossError } from './errors.js';
import {
  asGenericHead,
  checkStandardHead,
  type GenericHead,
  type ResolvedHead,
  resolveHead,
  type StandardHead,
  type StandardKind,
} from './head.js';
import { cosineMatrix, pairMean, RHOS, type Rho } from './rho.js';
import {
  type CheckedBatch,
  checkBatch,
  meanMatrix,
  type SourceBatch,
  selectionMatrix,
  sourceLabels,
} from './sources.js';
import { stopGradient } from './stop-gradient.js';

/**
 * How the per-source head gradients are formed and differentiated:
 * - `exact`: the closed form h_k = mean_{n∈B_k} δ_n [f_nᵀ, 1], δ_n = (σ(s_n) - y_n)(v ⊙ φ′(u_n)), differentiated
 *   through every factor (first-order autodiff of a forward expression: exact second-order information).
 * - `diagonal`: the same with the curvature factors σ(s_n) - y_n and φ′(u_n) held constant; keeps the dependence
 *   on the features and on v. Cheaper, and equal to `exact` when those factors do not vary.
 * - `generic`: h_k by a nested gradient of the head's own per-source loss (any head; standard heads are wrapped).
 */
export type ConflictMode = 'exact' | 'diagonal' | 'generic';

export const MODES: readonly ConflictMode[] = ['exact', 'diagonal', 'generic'];

/** Options of the Conflict Descent Loss. */
export interface ConflictLossOptions {
  /** Default `'exact'` for standard heads (closed form, no nested gradient); generic heads require `'generic'`. */
  mode?: ConflictMode;
  /** Default `'hinge'`: only conflicting pairs (cos < 0) are penalised, as CGR's name says. */
  rho?: Rho;
}

/** L_cd and what it was computed from. The caller owns the tensors. (A type, so `tf.tidy` can return it.) */
export type ConflictLossValue = {
  /** L_cd. */
  loss: tf.Scalar;
  /** K×K cosines of the per-source head gradients (0 in the rows of a zero gradient). */
  cosines: tf.Tensor2D;
};

/**
 * Options and head as the entry points resolve them, once: every function below takes this. A closed-form mode
 * comes only with a standard head.
 */
export type ResolvedLoss = { readonly rho: Rho } & (
  | { readonly mode: 'generic'; readonly head: ResolvedHead }
  | { readonly mode: 'exact' | 'diagonal'; readonly head: StandardKind }
);

/**
 * Resolves the options and the head's kind; throws `invalid-option` naming the field, or `invalid-head`. The
 * options are checked first, then the head, then that the mode suits the head.
 */
export function resolveLoss(options: ConflictLossOptions, input: StandardHead | GenericHead): ResolvedLoss {
  const head = resolveHead(input);
  const mode = options.mode ?? (head?.kind === 'generic' ? 'generic' : 'exact');
  const rho = options.rho ?? 'hinge';
  if (!MODES.includes(mode)) {
    throw new ConflictLossError(
      'invalid-option',
      'mode',
      `'${String(mode)}' is not one of ${MODES.join(', ')}`,
    );
  }
  if (!RHOS.includes(rho)) {
    throw new ConflictLossError('invalid-option', 'rho', `'${String(rho)}' is not one of ${RHOS.join(', ')}`);
  }
  if (head === undefined) {
    throw new ConflictLossError(
      'invalid-head',
      'head',
      'is neither a standard head ({vars: {Wp, bp, v, b}, phi, phiPrime}) nor a generic one ({params, loss})',
    );
  }
  if (mode === 'generic') return { rho, mode, head };
  if (head.kind === 'generic') {
    throw new ConflictLossError(
      'invalid-option',
      'mode',
      `'${mode}' needs a standard head (closed-form gradients); a generic head ({params, loss}) needs 'generic'`,
    );
  }
  return { rho, mode, head };
}

function checkFeatures(features: tf.Tensor): void {
  if (!(features instanceof tf.Tensor) || features.rank !== 2) {
    const got = features instanceof tf.Tensor ? `shape [${features.shape.join(', ')}]` : typeof features;
    throw new ConflictLossError('invalid-batch', 'features', `must be a [N, D] tensor, got ${got}`);
  }
}

/** Closed-form h_k of a standard head, stacked as [K, P·D + P] (∇_{W_p} row-major, then ∇_{b_p}). */
function closedFormGradients(
  head: StandardHead,
  F: tf.Tensor2D,
  batch: CheckedBatch,
  diagonal: boolean,
): tf.Tensor2D {
  const P = checkStandardHead(head, F.shape[1]);
  const { N, K } = batch;
  const D = F.shape[1];
  return tf.tidy(() => {
    const { Wp, bp, v, b } = head.vars;
    const y = tf.tensor2d(batch.labels, [N, 1]);
    const u = tf.add(tf.matMul(F, Wp, false, true), bp);
    const vCol = tf.reshape(v, [P, 1]);
    const s = tf.add(tf.matMul(head.phi(u) as tf.Tensor2D, vCol), tf.reshape(b, []));
    // tf.sigmoid is differentiated once here, and its first derivative is right; only its second is not (§12).
    let r: tf.Tensor = tf.sub(tf.sigmoid(s), y);
    let dphi = head.phiPrime(u);
    if (diagonal) {
      r = stopGradient(r);
      dphi = stopGradient(dphi);
    }
    const delta = tf.mul(r, tf.mul(dphi, tf.reshape(v, [1, P]))); // [N, P]
    // Row n of `weighted` holds M[n, k] δ_n for every source k side by side, so one matmul gives every h_k.
    const M = meanMatrix(batch);
    const weighted = tf.reshape(tf.mul(tf.expandDims(M, 2), tf.expandDims(delta, 1)), [N, K * P]);
    const hW = tf.reshape(tf.matMul(weighted, F, true, false), [K, P * D]);
    const hb = tf.reshape(tf.sum(weighted, 0), [K, P]);
    return tf.concat([hW, hb], 1) as tf.Tensor2D;
  });
}

/**
 * h_k = ∇_params L_k by a nested gradient of the head's loss on source k's rows, stacked [K, Σ|params|]. Under an
 * outer tape, the inner backward pass is recorded too, so the outer gradient sees through it; that is exact only
 * if the head's ops have correct second derivatives (hence `@cs-dfd/backend/ops`).
 */
function nestedGradients(head: GenericHead, F: tf.Tensor2D, batch: CheckedBatch): tf.Tensor2D {
  const params = [...head.params];
  params.forEach((p, i) => {
    if (!(p instanceof tf.Tensor)) {
      throw new ConflictLossError('invalid-head', `head.params[${i}]`, 'is not a tensor');
    }
  });
  if (params.length === 0) throw new ConflictLossError('invalid-head', 'head.params', 'is empty');
  return tf.tidy(() => {
    const rows = batch.rows.map((_, k) => {
      const Fk = tf.matMul(selectionMatrix(batch, k), F) as tf.Tensor2D;
      const yk = sourceLabels(batch, k);
      let bad: string | undefined;
      const { value, grads } = tf.engine().gradients(
        () => {
          const l: unknown = head.loss(Fk, yk);
          if (l instanceof tf.Tensor && l.rank === 0) return l as tf.Scalar;
          bad = l instanceof tf.Tensor ? `a tensor of shape [${l.shape.join(', ')}]` : typeof l;
          return tf.scalar(0);
        },
        params,
        undefined,
        true,
      );
      value.dispose();
      if (bad !== undefined) {
        throw new ConflictLossError('invalid-head', 'head.loss', `must return a scalar, got ${bad}`);
      }
      return tf.concat(params.map((p, i) => tf.reshape(grads[i] ?? tf.zerosLike(p), [-1])));
    });
    return tf.stack(rows) as tf.Tensor2D;
  });
}

/**
 * The per-source head gradients h_k as rows of a [K, size] tensor: closed form (`exact`/`diagonal`; size
 * P·D + P, ∇_{W_p} row-major then ∇_{b_p}) or nested (`generic`; the head's params flattened in order).
 */
export function headGradients(
  head: StandardHead | GenericHead,
  features: tf.Tensor2D,
  batch: SourceBatch,
  options: ConflictLossOptions = {},
): tf.Tensor2D {
  return resolvedHeadGradients(resolveLoss(options, head), features, batch);
}

/** {@link headGradients} of a resolved head and options. */
function resolvedHeadGradients(
  resolved: ResolvedLoss,
  features: tf.Tensor2D,
  batch: SourceBatch,
): tf.Tensor2D {
  checkFeatures(features);
  const checked = checkBatch(batch, features.shape[0]);
  if (resolved.mode === 'generic') {
    const { head } = resolved;
    if (head.kind === 'generic') return nestedGradients(head.head, features, checked);
    checkStandardHead(head.head, features.shape[1]);
    return nestedGradients(asGenericHead(head.head), features, checked);
  }
  return closedFormGradients(resolved.head.head, features, checked, resolved.mode === 'diagonal');
}

/**
 * L_cd = mean_{k<l} ρ(cos(h_k, h_l)) of a batch of features [N, D] split into K sources, and the cosine matrix.
 * Differentiable with respect to the features and the head tensors (run it under `tf.grads`/`tf.variableGrads`,
 * or hand it to `@cs-dfd/multitask`'s `featureStep` through {@link conflictExtra}).
 *
 * Edge cases: a source whose head gradient is zero has cosine 0 with every other source (hinge: no penalty;
 * linear: 1/2), with a zero, finite gradient; K = 1 gives L_cd = 0.
 */
export function conflictDescentLoss(
  head: StandardHead | GenericHead,
  features: tf.Tensor2D,
  batch: SourceBatch,
  options: ConflictLossOptions = {},
): ConflictLossValue {
  return resolvedConflictLoss(resolveLoss(options, head), features, batch);
}

/** {@link conflictDescentLoss} of a resolved head and options (what `conflictExtra` and `cgrStep` call). */
export function resolvedConflictLoss(
  resolved: ResolvedLoss,
  features: tf.Tensor2D,
  batch: SourceBatch,
): ConflictLossValue {
  return tf.tidy(() => {
    const h = resolvedHeadGradients(resolved, features, batch);
    const cosines = cosineMatrix(tf.matMul(h, h, false, true) as tf.Tensor2D);
    return { loss: pairMean(resolved.rho, cosines), cosines };
  });
}
