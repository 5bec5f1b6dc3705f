import {
  backend_util,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { composed } from './compose.js';

type Shape4 = [number, number, number, number];

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

export function depthwiseBackpropFilterConfig(backendName: string): KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName,
    kernelFunc: depthwiseBackpropFilterComposed(backendName),
  };
}
