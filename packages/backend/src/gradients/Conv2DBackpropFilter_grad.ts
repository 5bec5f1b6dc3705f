// The gradient of the `Conv2DBackpropFilter` kernel (registered by src/gradients.ts).

import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

/** dW = BackpropFilter(x, dy) is bilinear: its partials are BackpropInput(dy, ddW) and Conv2D(x, ddW). */
export const conv2DBackpropFilterGrad: GradConfig = {
  kernelName: 'Conv2DBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x, dy] = saved as [Tensor4D, Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as NamedAttrMap;
    const filter = ddw as Tensor4D;
    return {
      x: () =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
          strides,
          pad,
          dataFormat,
          dimRoundingMode,
          inputShape: x.shape,
        } as unknown as NamedAttrMap) as Tensor4D,
      dy: () =>
        tf.engine().runKernel('Conv2D', { x, filter }, {
          strides,
          pad,
          dataFormat,
          dilations: 1,
          dimRoundingMode,
        } as unknown as NamedAttrMap) as Tensor4D,
    };
  },
};
