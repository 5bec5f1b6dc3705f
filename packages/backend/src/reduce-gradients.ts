import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type GradConfig, type NamedAttrMap, type Tensor, util } from '@tensorflow/tfjs-core';

/**
 * dy of a Sum/Mean broadcast back to x's shape, as `fill(x.shape, scale) · dy`. tfjs's own gradients multiply by
 * `ones(x.shape)`, which builds a full-size JS Float32Array on every backward pass and uploads it (on wasm a copy
 * into the heap): with BatchNorm's moments that was the largest non-kernel cost of a training step. Fill runs on
 * the backend. It takes only x's *shape*: a form like `zerosLike(x) + dy` would make the gradient depend on x on
 * the tape, so a nested `tf.grad` would walk (and need gradients for) ops whose true contribution is zero.
 * `broadcastTo` would be the natural op, but wasm's Tile kernel is slower still, and its gradient stops at rank 4.
 */
function spread(dy: Tensor, x: Tensor, axis: number | number[], scale: number): Tensor {
  const axes = util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.mul(tf.fill(x.shape, scale, 'float32'), tf.reshape(dy, shape));
}

const sumGrad: GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs: NamedAttrMap) => {
    const [x] = saved as [Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    return { x: () => spread(dy as Tensor, x, axis, 1) };
  },
};

const meanGrad: GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs: NamedAttrMap) => {
    const [x] = saved as [Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    const axes = util.parseAxisParam(axis, x.shape);
    const [, reduceShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    return { x: () => spread(dy as Tensor, x, axes, 1 / util.sizeFromShape(reduceShape)) };
  },
};

/** The kernels whose tfjs gradients {@link registerReductionGradients} replaces. */
export const REDUCTION_GRADIENTS = ['Sum', 'Mean'] as const;

/**
 * Replaces tfjs's Sum and Mean gradients by equal ones that build no full-size host array (process-wide, every
 * backend; same values, still differentiable). Idempotent.
 */
export function registerReductionGradients(): void {
  for (const g of [sumGrad, meanGrad]) {
    if (tf.getGradient(g.kernelName) !== g) tf.registerGradient(g);
  }
}
