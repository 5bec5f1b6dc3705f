import {
  backend_util,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { composed } from './compose.js';
import { backpropInputPadding, dilate } from './conv2d-backprop.js';

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

/**
 * dW of a depthwise convolution, one filter tap at a time: dW[i,j,c,q] = Σ_{b,oh,ow} x_pad[b, oh·s + i·d,
 * ow·s + j·d, c] · dy[b,oh,ow,c·m + q]. Each tap is a strided slice of the padded input, a product with dy and a
 * sum over the N = b·oh·ow positions, so the cost is fh·fw passes over dy and no im2col buffer.
 */
export function depthwiseBackpropFilterComposed(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, filterShape } =
      attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
    return composed(backend, backendName, (k) => {
      const info = backend_util.computeConv2DInfo(
        x.shape as Shape4,
        filterShape as Shape4,
        strides,
        dilations,
        pad,
        dimRoundingMode,
        true,
      );
      const [B, H, W, C] = x.shape as Shape4;
      const [fh, fw, , m] = filterShape as Shape4;
      const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
      const { outHeight: oh, outWidth: ow } = info;
      const { top, left } = info.padInfo;
      const N = B * oh * ow;
      // Padded/cropped so that every tap's slice is in range: rows [0, (fh-1)·dh + (oh-1)·sh].
      const rows = (fh - 1) * dh + (oh - 1) * sh + 1;
      const cols = (fw - 1) * dw + (ow - 1) * sw + 1;
      const xp = k.padOrCrop(x, [
        [0, 0],
        [top, rows - H - top],
        [left, cols - W - left],
        [0, 0],
      ]);
      const dy3 = k.reshape(dy, [N, C, m]);
      const taps: TensorInfo[] = [];
      for (let i = 0; i < fh; i++) {
        for (let j = 0; j < fw; j++) {
          const xs = k.run(
            'StridedSlice',
            { x: xp },
            {
              begin: [0, i * dh, j * dw, 0],
              end: [B, i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1, C],
              strides: [1, sh, sw, 1],
              beginMask: 0,
              endMask: 0,
              ellipsisMask: 0,
              newAxisMask: 0,
              shrinkAxisMask: 0,
            },
          );
          const xs3 = k.reshape(xs, [N, C, 1]);
          const prod = k.run('Multiply', { a: xs3, b: dy3 });
          taps.push(k.run('Sum', { x: prod }, { axis: [0], keepDims: false }));
        }
      }
      const stacked = taps.length === 1 ? taps[0]! : k.run('Concat', taps, { axis: 0 });
      return k.reshape(stacked, [fh, fw, C, m]);
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

export function depthwiseBackpropFilterConfig(backendName: string): KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName,
    kernelFunc: depthwiseBackpropFilterComposed(backendName),
  };
}
