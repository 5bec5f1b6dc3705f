// The gradient of the `AvgPool` kernel (registered by src/gradients.ts).

import type { backend_util, GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { type Pool, poolInfo } from './pool.js';

/**
 * (fh·fw) / (valid cells of each output's window), shape [1, OH, OW, 1], counted on the host: a sum-pool of ones
 * on the backend would be simpler, but wasm's Conv2D/DepthwiseConv2dNative return zeros when the stride exceeds the
 * window with 'same' padding (e.g. 2×2 windows, stride 3), which this must handle.
 */
function validCellScale(info: backend_util.Conv2DInfo): Tensor {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: fh, filterWidth: fw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const scale = new Float32Array(OH * OW);
  for (let oh = 0; oh < OH; oh++) {
    const rows = Math.min(H, oh * sh - top + fh) - Math.max(0, oh * sh - top);
    for (let ow = 0; ow < OW; ow++) {
      const cols = Math.min(W, ow * sw - left + fw) - Math.max(0, ow * sw - left);
      // A window entirely in the padding has no valid cell; AvgPool gives it 0, and so does its gradient.
      scale[oh * OW + ow] = rows > 0 && cols > 0 ? (fh * fw) / (rows * cols) : 0;
    }
  }
  return tf.tensor4d(scale, [1, OH, OW, 1]);
}

/**
 * AvgPool's first-order gradient, corrected. tfjs's AvgPool divides each output by the number of *valid* (non-padded)
 * cells of its window, but its AvgPoolGrad divides by the full window size, so with any padding ('same', explicit)
 * the stock gradient is wrong at the borders (on cpu and wasm alike: a 3×3/1 'same' pool's corner gradient is
 * 0.27 where finite differences give 0.36). Scaling dy by (fh·fw)/count(output) first makes AvgPoolGrad exact; the
 * scale is a constant of the geometry, so the result stays differentiable through AvgPoolGrad's registered gradient.
 */
export const avgPoolGrad: GradConfig = {
  kernelName: 'AvgPool',
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x] = saved as [Tensor4D];
    const a = attrs as unknown as Pool;
    return {
      x: () =>
        tf.tidy(() => {
          const info = poolInfo(x.shape, a);
          const { top, bottom, left, right } = info.padInfo;
          let scaled = dy as Tensor4D;
          if (top > 0 || bottom > 0 || left > 0 || right > 0) {
            scaled = tf.mul(scaled, validCellScale(info)) as Tensor4D;
          }
          return tf.engine().runKernel('AvgPoolGrad', { dy: scaled, input: x }, {
            filterSize: a.filterSize,
            strides: a.strides,
            pad: a.pad,
            dimRoundingMode: a.dimRoundingMode,
          } as unknown as NamedAttrMap) as Tensor4D;
        }),
    };
  },
};
