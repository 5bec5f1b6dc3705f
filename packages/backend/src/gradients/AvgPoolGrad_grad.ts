// The gradient of the `AvgPoolGrad` kernel (registered by src/gradients.ts).

import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { type Pool, poolInfo } from './pool.js';

/**
 * AvgPoolGrad spreads dy[o] / (fh·fw) over window o (tfjs divides by the full window size here, padding
 * included), so its adjoint sums ddx over each window, padding excluded, and divides by fh·fw: a depthwise
 * convolution with a ones filter.
 */
export const avgPoolGradGrad: GradConfig = {
  kernelName: 'AvgPoolGrad',
  inputsToSave: ['input'],
  gradFunc: (ddx: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x] = saved as [Tensor4D];
    const a = attrs as unknown as Pool;
    return {
      dy: () =>
        tf.tidy(() => {
          const info = poolInfo(x.shape, a);
          const { filterHeight: fh, filterWidth: fw, inChannels: C } = info;
          const ones = tf.ones([fh, fw, C, 1]) as Tensor4D;
          const sums = tf.depthwiseConv2d(
            ddx as Tensor4D,
            ones,
            a.strides,
            a.pad,
            'NHWC',
            1,
            a.dimRoundingMode,
          );
          return tf.div(sums, fh * fw);
        }),
      input: () => tf.zerosLike(x),
    };
  },
};
