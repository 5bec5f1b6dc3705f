import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type GradConfig, type NamedAttrMap, type Tensor, util } from '@tensorflow/tfjs-core';

/**
 * dy of a Sum/Mean broadcast back to x's shape, as `zerosLike(x) + dy·scale`. tfjs's own gradients multiply by
 * `ones(x.shape)`, which fills a full-size JS Float32Array on every backward pass and uploads it (on wasm a copy
 * into the heap): BatchNorm's moments made that the largest non-kernel cost of a training step. `broadcastTo`
 * would be the natural op, but wasm's Tile kernel is slower still, and its gradient stops at rank 4; this form is
 * one ZerosLike and one broadcasting Add, differentiable to any order on every backend.
 */
function spread(dy: Tensor, x: Tensor, axis: number | number[], scale: number): Tensor {
  const axes = util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  const expanded = tf.reshape(dy, shape);
  return tf.add(tf.zerosLike(x), scale === 1 ? expanded : tf.mul(expanded, scale));
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
