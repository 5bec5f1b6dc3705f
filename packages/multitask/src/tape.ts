/**
 * Gradients of one scalar with respect to an explicit list of tensors (variables or plain tensors such as
 * features), on a fresh tape. `tf.variableGrads` cannot differentiate with respect to a non-variable tensor and
 * drops unconnected variables, and `tf.grads` throws on them; the feature-cotangent split needs both, so this goes
 * to the engine's `gradients` with unconnected inputs allowed and reports them as `undefined`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MultitaskError, taskLabel } from './errors.js';

/**
 * tfjs-core's Node bundle registers no gradient functions (they come with the bundles of `@tensorflow/tfjs`,
 * `@tensorflow/tfjs-layers` or `@tensorflow/tfjs-node`); without them the first backward pass fails deep inside
 * the tape with "gradient function not found for Add". Fail early instead, saying what to import.
 */
export function checkGradientsRegistered(): void {
  if (tf.getGradient(tf.Add) === undefined) {
    throw new MultitaskError(
      'no-gradients',
      'TensorFlow.js has no gradient functions registered: import "@tensorflow/tfjs" (or "@tensorflow/tfjs-layers", ' +
        'or "@tensorflow/tfjs-node") once before training; "@tensorflow/tfjs-core" alone does not register them in Node',
    );
  }
}

/** Loss value and one gradient per input (`undefined` where the loss does not depend on that input). */
export interface TapeResult {
  value: tf.Scalar;
  grads: Array<tf.Tensor | undefined>;
}

/**
 * Runs `loss` under a tape and differentiates it with respect to `xs`. Throws `not-scalar` (naming the task) when
 * `loss` does not return a scalar tensor; nothing the loss allocated survives but the value and the gradients.
 */
export function tapeGradients(
  loss: () => tf.Scalar,
  xs: readonly tf.Tensor[],
  index: number,
  name: string,
): TapeResult {
  // A bad return value is reported after the backward pass: throwing inside the taped forward would strand the
  // tensors the tape saved for backward.
  let bad: string | undefined;
  const checked = (): tf.Scalar => {
    const y: unknown = loss();
    if (!(y instanceof tf.Tensor)) {
      bad = y === null ? 'null' : typeof y;
      return tf.scalar(0);
    }
    if (y.rank !== 0) bad = `a tensor of shape [${y.shape}]`;
    return y as tf.Scalar;
  };
  checkGradientsRegistered();
  let out: TapeResult;
  if (xs.length === 0) {
    out = { value: tf.tidy(checked), grads: [] };
  } else {
    const { value, grads } = tf.engine().gradients(checked, [...xs], undefined, true);
    out = { value, grads: grads as Array<tf.Tensor | undefined> };
  }
  if (bad !== undefined) {
    tf.dispose([out.value, ...out.grads.filter((g): g is tf.Tensor => g !== undefined)]);
    throw new MultitaskError(
      'not-scalar',
      `${taskLabel(index, name)}: the loss must be a scalar, got ${bad}`,
      {
        task: name,
        taskIndex: index,
      },
    );
  }
  return out;
}

/** Replaces missing gradients by zeros shaped like their input (a loss that ignores a variable has gradient 0). */
export function filledGradients(
  grads: ReadonlyArray<tf.Tensor | undefined>,
  xs: readonly tf.Tensor[],
): tf.Tensor[] {
  return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
}

/** Downloads a scalar's value and frees it. */
export function takeScalar(t: tf.Scalar): number {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}
