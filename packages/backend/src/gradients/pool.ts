// Pool attributes and geometry shared by the pool kernels' gradients.
import { backend_util } from '@tensorflow/tfjs-core';

/** The attributes of tfjs's pool kernels (MaxPool, AvgPool and their gradients) that fix the geometry. */
export type Pool = {
  /** Window size, [height, width] or one number for both. */
  filterSize: [number, number] | number;
  /** Stride, [height, width] or one number for both. */
  strides: [number, number] | number;
  /** Padding mode, or explicit padding on every side. */
  pad: 'valid' | 'same' | number;
  /** How an output size that is not whole is rounded (explicit `pad` only). */
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The pooling geometry of a pool kernel's attributes on input shape `shape` (dilation 1, NHWC). */
export const poolInfo = (shape: [number, number, number, number], a: Pool) =>
  backend_util.computePool2DInfo(shape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
