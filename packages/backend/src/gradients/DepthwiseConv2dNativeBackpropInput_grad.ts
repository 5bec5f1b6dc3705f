// The gradient of the `DepthwiseConv2dNativeBackpropInput` kernel (registered by src/gradients.ts).

import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseGeometry } from './depthwise.js';

/**
 * Both depthwise backprop kernels are bilinear, so their gradients are the other two depthwise kernels: for
 * dx = BackpropInput(dy, W): ∂/∂dy = DepthwiseConv2dNative(ddx, W), ∂/∂W = BackpropFilter(ddx, dy). EfficientNet's
 * and Xception's depthwise layers need them under a nested `tf.grad`.
 */
export const depthwiseBackpropInputGrad: GradConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [dy, filter] = saved as [Tensor4D, Tensor4D];
    const common = depthwiseGeometry(attrs);
    return {
      dy: () =>
        tf.engine().runKernel('DepthwiseConv2dNative', { x: ddx as Tensor4D, filter }, {
          ...common,
          dataFormat: 'NHWC',
        } as unknown as NamedAttrMap) as Tensor4D,
      filter: () =>
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: ddx as Tensor4D, dy }, {
          ...common,
          filterShape: filter.shape,
        } as unknown as NamedAttrMap) as Tensor4D,
    };
  },
};
