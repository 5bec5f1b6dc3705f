import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { composed } from './compose.js';

type Shape4 = [number, number, number, number];
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/**
 * dW = Conv2DBackpropFilter(x, dy) as one forward convolution: with the batch axis taken as the channel axis,
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh - pt, ow·s + kw - pl, ci] · dy[b,oh,ow,co] is a convolution of
 * xᵀ [ci,H,W,b] with the filter dyᵀ [oh,ow,b,co] dilated by the forward stride. The backend's fast Conv2D
 * (XNNPACK on wasm) then does all the work.
 */
export function conv2DBackpropFilterComposed(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      attrs as unknown as Conv2DBackpropFilterAttrs;
    return composed(backend, backendName, (k) => {
      const nchw = dataFormat === 'NCHW';
      const x4 = nchw ? k.transpose(x, NCHW_TO_NHWC) : x;
      const dy4 = nchw ? k.transpose(dy, NCHW_TO_NHWC) : dy;
      const info = backend_util.computeConv2DInfo(
        x4.shape as Shape4,
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        'channelsLast',
      );
      const {
        filterHeight: fh,
        filterWidth: fw,
        strideHeight: sh,
        strideWidth: sw,
        outHeight,
        outWidth,
      } = info;
      const [, H, W] = x4.shape as Shape4;
      const { top, left } = info.padInfo;
      // Rows of x the forward pass touched (beyond them: zero padding or unused rows).
      const rows = fh + (outHeight - 1) * sh - top;
      const cols = fw + (outWidth - 1) * sw - left;
      const xT = k.transpose(x4, [3, 1, 2, 0]);
      const xCut = k.padOrCrop(xT, [
        [0, 0],
        [0, Math.min(0, rows - H)],
        [0, Math.min(0, cols - W)],
        [0, 0],
      ]);
      const dyT = k.transpose(dy4, [1, 2, 0, 3]);
      const out = k.run(
        'Conv2D',
        { x: xCut, filter: dyT },
        {
          strides: [1, 1],
          dilations: [sh, sw],
          pad: [
            [0, 0],
            [top, Math.max(0, rows - H)],
            [left, Math.max(0, cols - W)],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
      );
      return k.transpose(out, [1, 2, 0, 3]);
    });
  };
}

/**
 * dx = Conv2DBackpropInput(dy, W) as one forward convolution: dy dilated by the stride (zeros between rows and
 * columns), padded by (filter - 1 - forward pad), correlated with the spatially flipped filter whose in/out
 * channels are swapped. Replaces wasm's naive loop with its XNNPACK Conv2D.
 */
export function conv2DBackpropInputComposed(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
      attrs as unknown as Conv2DBackpropInputAttrs;
    return composed(backend, backendName, (k) => {
      const nchw = dataFormat === 'NCHW';
      const dy4 = nchw ? k.transpose(dy, NCHW_TO_NHWC) : dy;
      const xShape = (nchw ? NCHW_TO_NHWC.map((a) => inputShape[a]!) : [...inputShape]) as Shape4;
      const info = backend_util.computeConv2DInfo(
        xShape,
        filter.shape as Shape4,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        'channelsLast',
      );
      const [B, H, W] = xShape;
      const {
        filterHeight: fh,
        filterWidth: fw,
        strideHeight: sh,
        strideWidth: sw,
        outHeight: oh,
        outWidth: ow,
      } = info;
      const co = info.outChannels;
      const dyDil = dilate(k, dy4, B, oh, ow, co, sh, sw);
      const { crop, pad: convPad } = backpropInputPadding(
        { H, W, oh, ow, sh, sw },
        fh,
        fw,
        info.padInfo.top,
        info.padInfo.left,
      );
      const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
      const wT = k.transpose(flipped, [0, 1, 3, 2]);
      // Crop where the pads are negative (large forward pads); pass the positive pads to the conv itself.
      const cut = k.padOrCrop(dyDil, crop);
      const dx = k.run(
        'Conv2D',
        { x: cut, filter: wT },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: convPad,
          dataFormat: 'NHWC',
        },
      );
      return nchw ? k.transpose(dx, NHWC_TO_NCHW) : dx;
    });
  };
}

/** Explicit 4-D paddings, `[[0,0],[top,bottom],[left,right],[0,0]]`. */
type Pads4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The input gradient of a strided, padded conv is a stride-1 conv of the stride-dilated dy with the flipped filter,
 * padded by (extent − 1 − forward pad) on each side, where extent = (f − 1)·d + 1 is the dilated filter size.
 * Where that pad is negative (large forward pads) dy is cropped instead: `crop` goes to padOrCrop, `pad` to the conv.
 */
export function backpropInputPadding(
  g: { H: number; W: number; oh: number; ow: number; sh: number; sw: number },
  extentH: number,
  extentW: number,
  padTop: number,
  padLeft: number,
): { crop: Pads4; pad: Pads4 } {
  const top = extentH - 1 - padTop;
  const left = extentW - 1 - padLeft;
  const bottom = g.H + extentH - 1 - top - g.oh * g.sh;
  const right = g.W + extentW - 1 - left - g.ow * g.sw;
  return {
    crop: [
      [0, 0],
      [Math.min(0, top), Math.min(0, bottom)],
      [Math.min(0, left), Math.min(0, right)],
      [0, 0],
    ],
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/**
 * Inserts (s - 1) zeros after every row and column of a [B,oh,ow,C] tensor, giving [B, oh·sh, ow·sw, C]
 * (trailing zeros included; callers crop what they do not need).
 */
export function dilate(
  k: import('./compose.js').KernelScope,
  t: TensorInfo,
  B: number,
  oh: number,
  ow: number,
  c: number,
  sh: number,
  sw: number,
): TensorInfo {
  if (sh === 1 && sw === 1) return t;
  const r = k.reshape(t, [B, oh, 1, ow, 1, c]);
  const p = k.run(
    'PadV2',
    { x: r },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  return k.reshape(p, [B, oh * sh, ow * sw, c]);
}

export function conv2DBackpropFilterConfig(backendName: string): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: conv2DBackpropFilterComposed(backendName),
  };
}

export function conv2DBackpropInputConfig(backendName: string): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName,
    kernelFunc: conv2DBackpropInputComposed(backendName),
  };
}
