import {
  backend_util,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { backpropInputPadding, dilate } from './Conv2DBackpropInput.js';
import { composed } from './compose.js';

type Shape4 = [number, number, number, number];

/**
 * dx of a depthwise convolution as one depthwise convolution: dy (C·m channels) dilated by the stride and
 * padded by ((fh - 1)·d - pad), correlated with the flipped filter at the forward dilation, then the m
 * channel-multiplier outputs of each input channel summed.
 */
export function depthwiseBackpropInputComposed(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, inputShape } =
      attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
    return composed(backend, backendName, (k) => {
      const info = backend_util.computeConv2DInfo(
        inputShape as Shape4,
        filter.shape as Shape4,
        strides,
        dilations,
        pad,
        dimRoundingMode,
        true,
      );
      const [B, H, W, C] = inputShape as Shape4;
      const [fh, fw, , m] = filter.shape as Shape4;
      const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
      const { outHeight: oh, outWidth: ow } = info;
      const dyDil = dilate(k, dy, B, oh, ow, C * m, sh, sw);
      const { crop, pad: convPad } = backpropInputPadding(
        { H, W, oh, ow, sh, sw },
        (fh - 1) * dh + 1,
        (fw - 1) * dw + 1,
        info.padInfo.top,
        info.padInfo.left,
      );
      const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
      const wFlat = k.reshape(flipped, [fh, fw, C * m, 1]);
      const cut = k.padOrCrop(dyDil, crop);
      const dxm = k.run(
        'DepthwiseConv2dNative',
        { x: cut, filter: wFlat },
        {
          strides: [1, 1],
          dilations: [dh, dw],
          pad: convPad,
          dataFormat: 'NHWC',
        },
      );
      if (m === 1) return dxm;
      const split = k.reshape(dxm, [B, H, W, C, m]);
      return k.run('Sum', { x: split }, { axis: [4], keepDims: false });
    });
  };
}

export function depthwiseBackpropInputConfig(backendName: string): KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName,
    kernelFunc: depthwiseBackpropInputComposed(backendName),
  };
}
