// The gradient of the `DepthwiseConv2dNativeBackpropFilter` kernel (registered by src/gradients.ts).

import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseGeometry } from './depthwise.js';

/** For dW = BackpropFilter(x, dy): ∂/∂x = BackpropInput(dy, ddW), ∂/∂dy = DepthwiseConv2dNative(x, ddW). */
export const depthwiseBackpropFilterGrad: GradConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x, dy] = saved as [Tensor4D, Tensor4D];
    const common = depthwiseGeometry(attrs);
    return {
      x: () =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: ddw as Tensor4D }, {
          ...common,
          inputShape: x.shape,
        } as unknown as NamedAttrMap) as Tensor4D,
      dy: () =>
        tf.engine().runKernel('DepthwiseConv2dNative', { x, filter: ddw as Tensor4D }, {
          ...common,
          dataFormat: 'NHWC',
        } as unknown as NamedAttrMap) as Tensor4D,
    };
  },
};
