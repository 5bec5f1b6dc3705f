/**
 * Values that the tape must treat as constants. tfjs has no stop-gradient op; a `tf.customGrad` whose gradient is
 * zero is one, and because a custom op's forward runs with the tape off, whatever it computes inside (comparisons,
 * which have no gradient function and would make backprop throw) never reaches the tape.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `f(x)` as a constant: same value, zero gradient, nothing of `f` recorded. */
export function detached<T extends tf.Tensor>(f: (x: tf.Tensor) => T, x: tf.Tensor): T {
  const op = tf.customGrad((input) => {
    const t = input as tf.Tensor;
    const shape = t.shape; // the input itself may be freed before backprop runs
    return { value: f(t), gradFunc: () => tf.zeros(shape) };
  });
  return op(x) as T;
}

/** x held constant (the curvature factors of `diagonal` mode). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detached((t) => tf.clone(t) as T, x);
}
