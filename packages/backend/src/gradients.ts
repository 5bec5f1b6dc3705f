// tfjs-core's Node build (tf-core.node.js) registers no gradients at all: they live in its ESM sources, which
// Node cannot load (extension-less imports). tfjs-layers' Node bundle carries and registers all of them in the
// process-wide registry, so importing it is what makes `tf.grad` work in Node.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  type GradConfig,
  type NamedAttrMap,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';

/**
 * Makes sure tfjs-core's gradient registry is filled (see the module comment) and throws a
 * `gradients-missing` BackendError if it still is not.
 */
export function ensureCoreGradients(): void {
  for (const name of ['Sum', 'Conv2D', 'MaxPool', 'Sigmoid']) {
    if (tf.getGradient(name) == null) {
      throw new BackendError(
        'gradients-missing',
        `no gradient registered for kernel '${name}'; import '@tensorflow/tfjs-layers' (or '@tensorflow/tfjs') once`,
      );
    }
  }
}

type Pool = {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The pooling geometry of a pool kernel's attributes on input shape `shape` (dilation 1, NHWC). */
const poolInfo = (shape: [number, number, number, number], a: Pool) =>
  backend_util.computePool2DInfo(shape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);

function stridedTap(
  t: Tensor4D,
  i: number,
  j: number,
  oh: number,
  ow: number,
  sh: number,
  sw: number,
): Tensor4D {
  const [B, , , C] = t.shape;
  return tf.stridedSlice(
    t,
    [0, i, j, 0],
    [B, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, C],
    [1, sh, sw, 1],
  ) as Tensor4D;
}

/**
 * For every max-pool window, the value of `v` at the window's first maximum of `x` (row-major scan, padding never
 * wins): the adjoint of MaxPoolGrad with respect to dy, built from differentiable ops so that it works on every
 * backend and can itself be differentiated.
 */
export function maxPoolSelect(v: Tensor4D, x: Tensor4D, attrs: Pool): Tensor4D {
  return tf.tidy(() => {
    const info = poolInfo(x.shape, attrs);
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
    const { top, left } = info.padInfo;
    const [, H, W] = x.shape;
    const bottom = Math.max(0, (oh - 1) * sh + fh - H - top);
    const right = Math.max(0, (ow - 1) * sw + fw - W - left);
    const pads: Array<[number, number]> = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    const xp = tf.pad(x, pads, Number.NEGATIVE_INFINITY);
    const vp = tf.pad(v, pads, 0);
    let best = stridedTap(xp, 0, 0, oh, ow, sh, sw);
    for (let i = 0; i < fh; i++)
      for (let j = 0; j < fw; j++)
        if (i + j > 0) best = tf.maximum(best, stridedTap(xp, i, j, oh, ow, sh, sw));
    let taken = tf.zeros(best.shape, 'bool') as Tensor4D;
    let acc = tf.zeros(best.shape) as Tensor4D;
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const hit = tf.logicalAnd(tf.equal(stridedTap(xp, i, j, oh, ow, sh, sw), best), tf.logicalNot(taken));
        acc = tf.add(acc, tf.where(hit, stridedTap(vp, i, j, oh, ow, sh, sw), tf.zerosLike(acc)));
        taken = tf.logicalOr(taken, hit);
      }
    }
    return acc;
  });
}

/** d(MaxPoolGrad)/d(dy) is the window selection; the result is piecewise constant in x (zero gradient). */
const maxPoolGradGrad: GradConfig = {
  kernelName: 'MaxPoolGrad',
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x, y] = saved as [Tensor4D, Tensor4D];
    return {
      dy: () => maxPoolSelect(ddx as Tensor4D, x, attrs as unknown as Pool),
      input: () => tf.zerosLike(x),
      output: () => tf.zerosLike(y),
    };
  },
};

/**
 * AvgPoolGrad spreads dy[o] / (fh·fw) over window o (tfjs divides by the full window size here, padding
 * included), so its adjoint sums ddx over each window, padding excluded, and divides by fh·fw: a depthwise
 * convolution with a ones filter.
 */
const avgPoolGradGrad: GradConfig = {
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

/** dW = BackpropFilter(x, dy) is bilinear: its partials are BackpropInput(dy, ddW) and Conv2D(x, ddW). */
const conv2DBackpropFilterGrad: GradConfig = {
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
const avgPoolGrad: GradConfig = {
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

/** Gradients whose tfjs 4.22 version is wrong, replaced by {@link registerSecondOrderGradients}. */
export const CORRECTED_GRADIENTS = ['AvgPool'] as const;

type DepthwiseAttrs = {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The stride/dilation/padding attributes a depthwise backprop kernel passes on to the kernels of its gradient. */
function depthwiseGeometry(attrs: NamedAttrMap | undefined) {
  const a = attrs as unknown as DepthwiseAttrs;
  return { strides: a.strides, dilations: a.dilations, pad: a.pad, dimRoundingMode: a.dimRoundingMode };
}

/**
 * Both depthwise backprop kernels are bilinear, so their gradients are the other two depthwise kernels: for
 * dx = BackpropInput(dy, W): ∂/∂dy = DepthwiseConv2dNative(ddx, W), ∂/∂W = BackpropFilter(ddx, dy). EfficientNet's
 * and Xception's depthwise layers need them under a nested `tf.grad`.
 */
const depthwiseBackpropInputGrad: GradConfig = {
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

/** For dW = BackpropFilter(x, dy): ∂/∂x = BackpropInput(dy, ddW), ∂/∂dy = DepthwiseConv2dNative(x, ddW). */
const depthwiseBackpropFilterGrad: GradConfig = {
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

/** Gradients tfjs 4.22 lacks, registered by {@link registerSecondOrderGradients}. */
export const SECOND_ORDER_GRADIENTS = [
  'MaxPoolGrad',
  'AvgPoolGrad',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
] as const;

/**
 * Registers gradients for MaxPoolGrad, AvgPoolGrad, Conv2DBackpropFilter and both depthwise backprop kernels
 * (process-wide, every backend), so that nested `tf.grad` through conv and pooling layers works, and the corrected AvgPool gradient
 * ({@link CORRECTED_GRADIENTS}). Idempotent.
 */
export function registerSecondOrderGradients(): void {
  ensureCoreGradients();
  for (const g of [
    maxPoolGradGrad,
    avgPoolGradGrad,
    conv2DBackpropFilterGrad,
    depthwiseBackpropInputGrad,
    depthwiseBackpropFilterGrad,
    avgPoolGrad,
  ]) {
    if (tf.getGradient(g.kernelName) !== g) tf.registerGradient(g);
  }
}
