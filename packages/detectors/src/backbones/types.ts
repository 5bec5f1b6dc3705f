import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../layers.js';

/**
 * A feature extractor: images [N, H, W, 3] -> last convolutional feature map [N, h, w, D]. The detector's pooled
 * features are its global average pool (mean over h, w); the map is kept separate so Grad-CAM can
 * weight it.
 */
export interface Backbone {
  /** D, the channel count of the feature map (= the pooled feature dimension). */
  readonly featureDim: number;
  /** Forward pass up to the last convolutional block (after its activation); BatchNorm follows `ctx`. */
  featureMap(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
}

/** Scales a channel count by a width multiplier (at least one channel). */
export function scaleChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}
