/**
 * EfficientNet-B0..B4 (Tan & Le, ICML 2019) in the layout of Keras Applications (`tf.keras.applications`,
 * without the top classifier and without its built-in rescaling/normalisation layers): 3×3/2 stem conv, seven
 * stages of MBConv blocks (1×1 expansion, depthwise k×k, squeeze-and-excitation on the block's input width / 4,
 * 1×1 projection, identity shortcut when shape allows), 1×1 top conv to round_filters(1280), global average pool.
 * Swish activations; BatchNorm after every conv except the SE pair (which carry biases). Padding is TensorFlow
 * `same` by default (equal to Keras's `correct_pad` + valid on every stride-2 conv, and to `efficientnet_pytorch`'s
 * static same padding) or PyTorch's symmetric `k // 2` (torchvision's layout: identical layers and SE widths, BN
 * epsilon 1e-5), names follow Keras's layer names. `test/torch-parity.test.ts` checks both against PyTorch. Kernels start as Keras's VarianceScaling(2, fan_out).
 * Not implemented: dropout and drop-connect (they hold no parameters; the head is where a detector regularises).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  BatchNorm,
  type BatchNormOptions,
  Conv2d,
  type ConvPadding,
  DepthwiseConv2d,
  type ForwardContext,
  padOf,
  swish,
} from '../layers.js';
import type { ParamScope } from '../params.js';
import type { Backbone } from './types.js';

export const EFFICIENTNET_VARIANTS = ['b0', 'b1', 'b2', 'b3', 'b4'] as const;
export type EfficientNetVariant = (typeof EFFICIENTNET_VARIANTS)[number];

/**
 * Compound-scaling coefficients from the paper (and Keras Applications): width multiplier, depth multiplier, the
 * resolution the variant was designed for, and its dropout rate (informational).
 */
export const EFFICIENTNET_SCALING: Record<
  EfficientNetVariant,
  { width: number; depth: number; resolution: number; dropout: number }
> = {
  b0: { width: 1.0, depth: 1.0, resolution: 224, dropout: 0.2 },
  b1: { width: 1.0, depth: 1.1, resolution: 240, dropout: 0.2 },
  b2: { width: 1.1, depth: 1.2, resolution: 260, dropout: 0.3 },
  b3: { width: 1.2, depth: 1.4, resolution: 300, dropout: 0.3 },
  b4: { width: 1.4, depth: 1.8, resolution: 380, dropout: 0.4 },
};

/** The B0 stages: kernel, repeats, input/output filters, expansion, stride (SE ratio 0.25 everywhere). */
const B0_STAGES = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expand: 1, stride: 1 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expand: 6, stride: 2 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expand: 6, stride: 2 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expand: 6, stride: 2 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expand: 6, stride: 1 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expand: 6, stride: 2 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expand: 6, stride: 1 },
] as const;
const SE_RATIO = 0.25;
const DIVISOR = 8;

/** Options of EfficientNet. */
export interface EfficientNetOptions {
  kind: 'efficientnet';
  /** Which compound-scaled member. Default `b0`. */
  variant: EfficientNetVariant;
  /** Extra width multiplier on top of the variant's (for tiny test networks). Default 1. */
  width: number;
  /** Extra depth multiplier on top of the variant's. Default 1. */
  depth: number;
  /**
   * Zero padding of the k×k convolutions: `same` is TensorFlow's (Keras Applications, `efficientnet_pytorch`),
   * which pads stride-2 convolutions more at the bottom/right; `symmetric` is PyTorch's `k // 2` on every side
   * (torchvision). The two give different functions, so weights need the padding they were trained with.
   * Default `same`.
   */
  padding: ConvPadding;
}

export const EFFICIENTNET_DEFAULTS: Omit<EfficientNetOptions, 'kind'> = {
  variant: 'b0',
  width: 1,
  depth: 1,
  padding: 'same',
};

/** Keras's round_filters: scale, round to a multiple of 8 (never below 8), and never lose more than 10%. */
export function roundFilters(filters: number, width: number): number {
  const f = filters * width;
  let n = Math.max(DIVISOR, Math.floor((f + DIVISOR / 2) / DIVISOR) * DIVISOR);
  if (n < 0.9 * f) n += DIVISOR;
  return n;
}

/** Keras's round_repeats: ceil(depth · repeats). */
export function roundRepeats(repeats: number, depth: number): number {
  // Plain float64 ceil, exactly as Python's math.ceil in Keras (no epsilon: the counts must match Keras's).
  return Math.ceil(depth * repeats);
}

class MBConv {
  private readonly expand: { conv: Conv2d; bn: BatchNorm } | undefined;
  private readonly dw: DepthwiseConv2d;
  private readonly bn: BatchNorm;
  private readonly seReduce: Conv2d;
  private readonly seExpand: Conv2d;
  private readonly project: Conv2d;
  private readonly projectBn: BatchNorm;
  private readonly residual: boolean;

  constructor(
    scope: ParamScope,
    name: string,
    a: { kernel: number; filtersIn: number; filtersOut: number; expand: number; stride: number },
    bn: BatchNormOptions,
    padding: ConvPadding,
  ) {
    const filters = a.filtersIn * a.expand;
    const conv = (suffix: string, inC: number, outC: number, bias = false) =>
      new Conv2d(scope.child(`${name}${suffix}`), {
        inChannels: inC,
        outChannels: outC,
        kernel: 1,
        bias,
        init: 'fan-out',
      });
    this.expand =
      a.expand !== 1
        ? {
            conv: conv('expand_conv', a.filtersIn, filters),
            bn: new BatchNorm(scope.child(`${name}expand_bn`), filters, bn),
          }
        : undefined;
    this.dw = new DepthwiseConv2d(scope.child(`${name}dwconv`), {
      channels: filters,
      kernel: a.kernel,
      stride: a.stride,
      pad: padOf(padding, a.kernel),
    });
    this.bn = new BatchNorm(scope.child(`${name}bn`), filters, bn);
    const se = Math.max(1, Math.floor(a.filtersIn * SE_RATIO));
    this.seReduce = conv('se_reduce', filters, se, true);
    this.seExpand = conv('se_expand', se, filters, true);
    this.project = conv('project_conv', filters, a.filtersOut);
    this.projectBn = new BatchNorm(scope.child(`${name}project_bn`), a.filtersOut, bn);
    this.residual = a.stride === 1 && a.filtersIn === a.filtersOut;
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    let h = x;
    if (this.expand !== undefined) h = swish(this.expand.bn.apply(this.expand.conv.apply(h), ctx));
    h = swish(this.bn.apply(this.dw.apply(h), ctx));
    const squeezed = tf.mean(h, [1, 2], true) as tf.Tensor4D;
    const gate = tf.sigmoid(this.seExpand.apply(swish(this.seReduce.apply(squeezed))));
    h = tf.mul(h, gate);
    h = this.projectBn.apply(this.project.apply(h), ctx);
    return this.residual ? tf.add(h, x) : h;
  }
}

export class EfficientNet implements Backbone {
  readonly featureDim: number;
  private readonly stem: Conv2d;
  private readonly stemBn: BatchNorm;
  private readonly blocks: MBConv[] = [];
  private readonly top: Conv2d;
  private readonly topBn: BatchNorm;

  constructor(scope: ParamScope, o: EfficientNetOptions, bn: BatchNormOptions) {
    const coef = EFFICIENTNET_SCALING[o.variant];
    const width = coef.width * o.width;
    const depth = coef.depth * o.depth;
    const stemC = roundFilters(32, width);
    this.stem = new Conv2d(scope.child('stem_conv'), {
      inChannels: 3,
      outChannels: stemC,
      kernel: 3,
      stride: 2,
      pad: padOf(o.padding, 3),
      init: 'fan-out',
    });
    this.stemBn = new BatchNorm(scope.child('stem_bn'), stemC, bn);
    let last = stemC;
    B0_STAGES.forEach((st, i) => {
      const filtersOut = roundFilters(st.filtersOut, width);
      let filtersIn = roundFilters(st.filtersIn, width);
      const repeats = roundRepeats(st.repeats, depth);
      for (let j = 0; j < repeats; j++) {
        const stride = j === 0 ? st.stride : 1;
        const name = `block${i + 1}${String.fromCharCode(97 + j)}_`;
        this.blocks.push(
          new MBConv(
            scope,
            name,
            { kernel: st.kernel, filtersIn, filtersOut, expand: st.expand, stride },
            bn,
            o.padding,
          ),
        );
        filtersIn = filtersOut;
      }
      last = filtersOut;
    });
    const topC = roundFilters(1280, width);
    this.top = new Conv2d(scope.child('top_conv'), {
      inChannels: last,
      outChannels: topC,
      kernel: 1,
      init: 'fan-out',
    });
    this.topBn = new BatchNorm(scope.child('top_bn'), topC, bn);
    this.featureDim = topC;
  }

  featureMap(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      let h = swish(this.stemBn.apply(this.stem.apply(x), ctx));
      for (const b of this.blocks) h = b.apply(h, ctx);
      h = swish(this.topBn.apply(this.top.apply(h), ctx));
      return h;
    });
  }
}
