/**
 * Pairwise cosines of per-source head gradients and the penalty ρ applied to them (DESIGN §6).
 */
import * as tf from '@tensorflow/tfjs-core';
import { detached } from './stop-gradient.js';

/**
 * ρ(c): `'hinge'` = max(0, -c) penalises conflict only (the default: aligned or orthogonal sources cost nothing);
 * `'linear'` = (1 - c)/2 penalises any misalignment (0 for equal directions, 1 for opposite ones).
 */
export type Rho = 'hinge' | 'linear';

export const RHOS: readonly Rho[] = ['hinge', 'linear'];

/**
 * A squared head-gradient norm at or below this counts as a zero gradient, whose cosine with anything is 0. It
 * sits far below any gradient float32 resolves as a direction (norm 1e-15) and far above underflow, so the
 * reciprocal square root below stays finite.
 */
export const ZERO_GRADIENT_SQ_NORM = 1e-30;

/**
 * Cosine matrix of a K×K Gram matrix. Rows/columns of a zero gradient (G_kk <= {@link ZERO_GRADIENT_SQ_NORM}) are
 * 0 (diagonal included), with a zero and finite gradient: the mask is computed off the tape and the square root
 * only ever sees G_kk or 1.
 */
export function cosineMatrix(G: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const K = G.shape[0];
    const d = tf.sum(tf.mul(G, tf.eye(K)), 1); // diag(G), differentiable
    const ok = detached((x) => tf.cast(tf.greater(x, ZERO_GRADIENT_SQ_NORM), 'float32'), d);
    const safe = tf.add(tf.mul(d, ok), tf.sub(1, ok));
    const inv = tf.mul(ok, tf.rsqrt(safe)) as tf.Tensor1D;
    return tf.mul(G, tf.outerProduct(inv, inv)) as tf.Tensor2D;
  });
}

/** ρ applied elementwise. */
export function applyRho(rho: Rho, cos: tf.Tensor): tf.Tensor {
  return tf.tidy(() => (rho === 'hinge' ? tf.relu(tf.neg(cos)) : tf.mul(tf.sub(1, cos), 0.5)));
}

/**
 * L_cd = mean over the K(K-1)/2 source pairs k < l of ρ(cos_kl). With one source there is no pair and L_cd = 0.
 */
export function pairMean(rho: Rho, cos: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const K = cos.shape[0];
    const pairs = (K * (K - 1)) / 2;
    if (pairs === 0) return tf.mul(tf.sum(cos), 0) as tf.Scalar;
    const upper = tf.tensor2d(
      Array.from({ length: K * K }, (_, i) => (i % K > Math.floor(i / K) ? 1 / pairs : 0)),
      [K, K],
    );
    return tf.sum(tf.mul(applyRho(rho, cos), upper)) as tf.Scalar;
  });
}
