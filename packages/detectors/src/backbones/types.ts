import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../layers.js';

/** A feature extractor: images [N, H, W, 3] -> pooled features [N, D]. */
export interface Backbone {
  /** D, the feature dimension. */
  readonly featureDim: number;
  /** Forward pass; BatchNorm behaviour follows `ctx`. */
  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
}

/** Scales a channel count by a width multiplier (at least one channel). */
export function scaleChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}
