/**
 * Training-mode BatchNorm as one op with a hand-written gradient. Autodiff of the composed form (moments, then
 * x·scale + shift) walks ~12 full-size element-wise ops and 5 reductions per layer backward; the closed form
 * below needs 5 and 2. On the trainer's small CNN the BatchNorm ops were about a third of a training step on wasm.
 */
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, fusedBatchNormApplies } from '@cs-dfd/backend';
import * as tf from '@tensorflow/tfjs-core';

/**
 * y = (x - μ)·γ/√(σ² + ε) + β over every axis but the last, with μ, σ² the batch mean and biased variance, and
 * the gradient the chain rule gives through μ and σ² (TensorFlow's FusedBatchNormGrad, training mode):
 *
 *   x̂ = (x - μ)/√(σ² + ε),  ∂β = Σ dy,  ∂γ = Σ dy·x̂,  ∂x = γ/√(σ² + ε) · (dy - ∂β/N - x̂·∂γ/N)
 *
 * with sums over the N = size / C positions of each channel. First-order only: the gradient saves the centred
 * input, so a nested `tf.grad` through it would miss terms (backbones are differentiated once; see
 * `@cs-dfd/backend/ops` for second-order-safe ops).
 *
 * `onStats`, when given, receives the per-channel batch mean and biased variance (shape [C]) during the forward
 * pass, for the moving statistics; they are freed when it returns.
 *
 * On wasm with `@cs-dfd/backend`'s kernels and a multiple of 4 channels, the forward pass and the gradient are one
 * SIMD kernel each (`CsDfdBatchNormTrain`, `CsDfdBatchNormTrainGrad`: two passes over the data each, statistics
 * summed in float64); elsewhere the same formulas run as tfjs ops.
 */
export function batchNormTrain<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): T {
  const rank = x.rank;
  const C = x.shape[rank - 1] ?? 1;
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const n = x.size / C;
  if (x.dtype === 'float32' && fusedBatchNormApplies(C)) {
    return batchNormKernel(x, gamma, beta, epsilon, onStats);
  }
  const op = tf.customGrad((xi, g, b, save) => {
    const input = xi as tf.Tensor;
    const mean = tf.mean(input, axes, true);
    const centred = tf.sub(input, mean);
    const variance = tf.mean(tf.square(centred), axes, true);
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const y = tf.add(tf.mul(centred, tf.mul(g as tf.Tensor, invStd)), b as tf.Tensor);
    onStats?.(tf.reshape(mean, [C]) as tf.Tensor1D, tf.reshape(variance, [C]) as tf.Tensor1D);
    (save as tf.GradSaveFunc)([centred, invStd, g as tf.Tensor]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor;
        const [xc, inv, gam] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dBeta = tf.sum(d, axes, true);
        // Σ dy·(x - μ); ∂γ = that / √(σ² + ε).
        const dyXc = tf.sum(tf.mul(d, xc), axes, true);
        const a = tf.mul(gam, inv);
        // ∂x = a·dy + b·(x - μ) + c with per-channel b = -a·inv²·Σdy(x-μ)/N, c = -a·∂β/N.
        const bCoef = tf.mul(tf.mul(a, tf.square(inv)), tf.div(dyXc, -n));
        const cCoef = tf.mul(a, tf.div(dBeta, -n));
        const dx = tf.add(tf.add(tf.mul(d, a), cCoef), tf.mul(xc, bCoef));
        return [dx, tf.reshape(tf.mul(dyXc, inv), [C]), tf.reshape(dBeta, [C])];
      },
    };
  });
  return op(x, gamma, beta) as T;
}

/** {@link batchNormTrain} by the wasm SIMD kernels of `@cs-dfd/backend`. */
function batchNormKernel<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): T {
  const op = tf.customGrad((xi, g, b, save) => {
    const [y, centred, mean, variance, invStd] = tf.engine().runKernel(
      BATCH_NORM_TRAIN,
      { x: xi as tf.Tensor, gamma: g as tf.Tensor, beta: b as tf.Tensor },
      {
        epsilon,
      },
    ) as tf.Tensor[];
    onStats?.(mean as tf.Tensor1D, variance as tf.Tensor1D);
    (save as tf.GradSaveFunc)([centred!, invStd!, g as tf.Tensor]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xc, inv, gam] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(
            BATCH_NORM_TRAIN_GRAD,
            { dy: dy as tf.Tensor, xc, invStd: inv, gamma: gam },
            {},
          ) as tf.Tensor[];
      },
    };
  });
  return op(x, gamma, beta) as T;
}
