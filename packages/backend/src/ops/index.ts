/**
 * Second-order-safe elementwise and softmax-family ops.
 *
 * tfjs's gradients for Sigmoid, Tanh, Exp, Elu, Softmax and LogSoftmax use the op's saved *output*. The engine
 * records that saved copy before the op's own tape node, so a second `tf.grad` through the first gradient cannot
 * find the path from the saved output back to the input: the second derivative silently loses those terms. Each
 * op here is a `tf.customGrad` that saves its *input* and recomputes what the gradient needs with the safe ops
 * themselves, so its gradient is differentiable again (to any order). Forward values are tfjs's own kernels.
 */

import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';

type Unary = (
  x: Tensor,
  save: GradSaveFunc,
) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor };

function unary(f: Unary): <T extends Tensor>(x: T) => T {
  const g = tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]);
  return <T extends Tensor>(x: T) => g(x) as T;
}

function first(saved: Tensor[]): Tensor {
  const x = saved[0];
  if (x == null) throw new BackendError('bad-argument', 'customGrad lost its saved input');
  return x;
}

/** σ(x) = 1 / (1 + e^-x); dσ = σ(1 - σ), recomputed from x. */
export const sigmoid = unary((x, save) => {
  save([x]);
  return {
    value: tf.sigmoid(x),
    gradFunc: (dy, saved) => {
      const s = sigmoid(first(saved));
      return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
    },
  };
});

/** tanh(x); d tanh = 1 - tanh², recomputed from x. */
export const tanh = unary((x, save) => {
  save([x]);
  return {
    value: tf.tanh(x),
    gradFunc: (dy, saved) => {
      const t = tanh(first(saved));
      return tf.mul(dy, tf.sub(1, tf.square(t)));
    },
  };
});

/** e^x; d e^x = e^x, recomputed from x. */
export const exp = unary((x, save) => {
  save([x]);
  return { value: tf.exp(x), gradFunc: (dy, saved) => tf.mul(dy, exp(first(saved))) };
});

/** softplus(x) = log(1 + e^x) (tfjs's overflow-safe kernel); d softplus = σ(x) with the safe σ. */
export const softplus = unary((x, save) => {
  save([x]);
  return { value: tf.softplus(x), gradFunc: (dy, saved) => tf.mul(dy, sigmoid(first(saved))) };
});

/** ELU with α = 1: x for x > 0, e^x - 1 otherwise; derivative e^min(x, 0) (1 or e^x) with the safe exp. */
export const elu = unary((x, save) => {
  save([x]);
  return {
    value: tf.elu(x),
    // No comparison op on the path: tfjs has no gradient for Greater, which a nested grad would reach.
    gradFunc: (dy, saved) => tf.mul(dy, exp(tf.minimum(first(saved), 0))),
  };
});

function checkAxis(x: Tensor, axis: number, op: string): number {
  const a = axis < 0 ? x.rank + axis : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= x.rank) {
    throw new BackendError('bad-argument', `${op}: axis ${axis} is out of range for a rank-${x.rank} tensor`);
  }
  return a;
}

/** softmax along `axis` (default last); gradient s ⊙ (dy - Σ dy ⊙ s) with s recomputed by this op. */
export function softmax<T extends Tensor>(x: T, axis = -1): T {
  const a = checkAxis(x, axis, 'softmax');
  const f = unary((v, save) => {
    save([v]);
    return {
      value: tf.exp(tf.sub(v, tf.logSumExp(v, a, true))),
      gradFunc: (dy, saved) => {
        const s = softmax(first(saved), a);
        return tf.mul(s, tf.sub(dy, tf.sum(tf.mul(dy, s), a, true)));
      },
    };
  });
  return f(x);
}

/** log-softmax along `axis` (default last); gradient dy - softmax(x) ⊙ Σ dy, with the safe softmax. */
export function logSoftmax<T extends Tensor>(x: T, axis = -1): T {
  const a = checkAxis(x, axis, 'logSoftmax');
  const f = unary((v, save) => {
    save([v]);
    return {
      value: tf.sub(v, tf.logSumExp(v, a, true)),
      gradFunc: (dy, saved) => tf.sub(dy, tf.mul(softmax(first(saved), a), tf.sum(dy, a, true))),
    };
  });
  return f(x);
}

/** log Σ e^x along `axis` (default last); gradient dy ⊙ softmax(x), with the safe softmax. */
export function logSumExp(x: Tensor, axis = -1, keepDims = false): Tensor {
  const a = checkAxis(x, axis, 'logSumExp');
  const f = unary((v, save) => {
    save([v]);
    return {
      value: tf.logSumExp(v, a, keepDims),
      gradFunc: (dy, saved) => {
        const s = softmax(first(saved), a);
        return tf.mul(keepDims ? dy : tf.expandDims(dy, a), s);
      },
    };
  });
  return f(x);
}

/** How {@link bceWithLogits} reduces the per-element losses. */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Binary cross-entropy on logits z with targets y in [0, 1]: softplus(z) - y·z per element (exact, stable for
 * any |z|, and twice differentiable through the safe softplus), then reduced (default: mean).
 * `tf.losses.sigmoidCrossEntropy` gets second derivatives wrong (it goes through Exp's saved output).
 */
export function bceWithLogits(logits: Tensor, labels: Tensor, reduction: Reduction = 'mean'): Tensor {
  if (logits.shape.length !== labels.shape.length || logits.shape.some((n, i) => n !== labels.shape[i])) {
    throw new BackendError(
      'bad-argument',
      `bceWithLogits: logits shape [${logits.shape}] and labels shape [${labels.shape}] differ`,
    );
  }
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new BackendError(
      'bad-argument',
      `bceWithLogits: reduction '${String(reduction)}' is not mean, sum or none`,
    );
  }
  return tf.tidy(() => {
    const per = tf.sub(softplus(logits), tf.mul(labels, logits));
    if (reduction === 'none') return per;
    return reduction === 'sum' ? tf.sum(per) : tf.mean(per);
  });
}
