// How the Sum and Mean gradients broadcast dy back to x's shape.
import * as tf from '@tensorflow/tfjs-core';
import { type Tensor, util } from '@tensorflow/tfjs-core';

/**
 * dy of a Sum/Mean broadcast back to x's shape, as `fill(x.shape, scale) · dy`. tfjs's own gradients multiply by
 * `ones(x.shape)`, which builds a full-size JS Float32Array on every backward pass and uploads it (on wasm a copy
 * into the heap): with BatchNorm's moments that was the largest non-kernel cost of a training step. Fill runs on
 * the backend. It takes only x's *shape*: a form like `zerosLike(x) + dy` would make the gradient depend on x on
 * the tape, so a nested `tf.grad` would walk (and need gradients for) ops whose true contribution is zero.
 * `broadcastTo` would be the natural op, but wasm's Tile kernel is slower still, and its gradient stops at rank 4.
 */
export function spread(dy: Tensor, x: Tensor, axis: number | number[], scale: number): Tensor {
  const axes = util.parseAxisParam(axis, x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.mul(tf.fill(x.shape, scale, 'float32'), tf.reshape(dy, shape));
}
