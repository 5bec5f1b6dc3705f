/**
 * Xception (Chollet, CVPR 2017) in the layout of Keras Applications without the top: entry flow (two valid 3×3
 * convs, then three blocks of two separable convs + 3×3/2 max-pool with a strided 1×1 conv shortcut), middle flow
 * (eight blocks of three ReLU-separable conv-BN with identity shortcuts), exit flow (one shortcut block to 1024, then
 * separable convs to 1536 and 2048 with ReLU), global average pool. Separable and plain convs have no bias; every
 * conv is followed by BatchNorm. Layer names follow Keras (`block2_sepconv1`, ...; the unnamed shortcut convs are
 * called `blockN_residual`); kernels start as Keras's Glorot uniform. timm's legacy Xception (FF++, DeepfakeBench) is
 * the same network with symmetric max-pool padding and BatchNorm epsilon 1e-5 (see {@link XceptionOptions.padding}).
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
} from '../layers.js';
import type { ParamScope } from '../params.js';
import { type Backbone, scaleChannels } from './types.js';

/** Options of Xception. */
export interface XceptionOptions {
  kind: 'xception';
  /** Multiplies every channel count (32, 64, 128, 256, 728, 1024, 1536, 2048). Default 1. */
  width: number;
  /** Middle-flow blocks. Default 8 (the published network). */
  middleBlocks: number;
  /**
   * Padding of the 3×3/2 max-pools (the only windows where the conventions differ): TensorFlow `same` (Keras
   * Applications) or PyTorch's symmetric 1 (timm's legacy Xception, FF++, DeepfakeBench). Default `same`.
   */
  padding: ConvPadding;
}

export const XCEPTION_DEFAULTS: Omit<XceptionOptions, 'kind'> = {
  width: 1,
  middleBlocks: 8,
  padding: 'same',
};

/** Depthwise 3×3 then pointwise 1×1 (Keras SeparableConv2D, depth multiplier 1, no bias), then BatchNorm. */
class SepConvBn {
  private readonly depthwise: DepthwiseConv2d;
  private readonly pointwise: Conv2d;
  private readonly bn: BatchNorm;

  constructor(scope: ParamScope, name: string, inC: number, outC: number, bn: BatchNormOptions) {
    this.depthwise = new DepthwiseConv2d(scope.child(`${name}/depthwise`), {
      channels: inC,
      kernel: 3,
      init: 'glorot',
    });
    this.pointwise = new Conv2d(scope.child(`${name}/pointwise`), {
      inChannels: inC,
      outChannels: outC,
      kernel: 1,
      init: 'glorot',
    });
    this.bn = new BatchNorm(scope.child(`${name}_bn`), outC, bn);
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return this.bn.apply(this.pointwise.apply(this.depthwise.apply(x)), ctx);
  }
}

/** Strided 1×1 conv + BN shortcut around separable convs and a 3×3/2 max-pool (entry flow, start of exit flow). */
class DownBlock {
  private readonly residual: Conv2d;
  private readonly residualBn: BatchNorm;
  private readonly sep1: SepConvBn;
  private readonly sep2: SepConvBn;

  constructor(
    scope: ParamScope,
    block: number,
    inC: number,
    midC: number,
    outC: number,
    private readonly reluFirst: boolean,
    bn: BatchNormOptions,
    private readonly padding: ConvPadding,
  ) {
    this.residual = new Conv2d(scope.child(`block${block}_residual`), {
      inChannels: inC,
      outChannels: outC,
      kernel: 1,
      stride: 2,
      init: 'glorot',
    });
    this.residualBn = new BatchNorm(scope.child(`block${block}_residual_bn`), outC, bn);
    this.sep1 = new SepConvBn(scope, `block${block}_sepconv1`, inC, midC, bn);
    this.sep2 = new SepConvBn(scope, `block${block}_sepconv2`, midC, outC, bn);
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const shortcut = this.residualBn.apply(this.residual.apply(x), ctx);
    let h = this.reluFirst ? tf.relu(x) : x;
    h = tf.relu(this.sep1.apply(h, ctx));
    h = this.sep2.apply(h, ctx);
    return tf.add(tf.maxPool(h, 3, 2, padOf(this.padding, 3)), shortcut) as tf.Tensor4D;
  }
}

class MiddleBlock {
  private readonly seps: SepConvBn[];

  constructor(scope: ParamScope, block: number, channels: number, bn: BatchNormOptions) {
    this.seps = [1, 2, 3].map(
      (i) => new SepConvBn(scope, `block${block}_sepconv${i}`, channels, channels, bn),
    );
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    let h = x;
    for (const s of this.seps) h = s.apply(tf.relu(h), ctx);
    return tf.add(h, x) as tf.Tensor4D;
  }
}

export class Xception implements Backbone {
  readonly featureDim: number;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm;
  private readonly entry: DownBlock[];
  private readonly middle: MiddleBlock[] = [];
  private readonly exit: DownBlock;
  private readonly sep3: SepConvBn;
  private readonly sep4: SepConvBn;

  constructor(scope: ParamScope, o: XceptionOptions, bn: BatchNormOptions) {
    const c = (n: number) => scaleChannels(n, o.width);
    const plain = (name: string, inC: number, outC: number, stride: number) =>
      new Conv2d(scope.child(name), {
        inChannels: inC,
        outChannels: outC,
        kernel: 3,
        stride,
        pad: 'valid',
        init: 'glorot',
      });
    this.conv1 = plain('block1_conv1', 3, c(32), 2);
    this.bn1 = new BatchNorm(scope.child('block1_conv1_bn'), c(32), bn);
    this.conv2 = plain('block1_conv2', c(32), c(64), 1);
    this.bn2 = new BatchNorm(scope.child('block1_conv2_bn'), c(64), bn);
    this.entry = [
      new DownBlock(scope, 2, c(64), c(128), c(128), false, bn, o.padding),
      new DownBlock(scope, 3, c(128), c(256), c(256), true, bn, o.padding),
      new DownBlock(scope, 4, c(256), c(728), c(728), true, bn, o.padding),
    ];
    for (let i = 0; i < o.middleBlocks; i++) this.middle.push(new MiddleBlock(scope, 5 + i, c(728), bn));
    const exitBlock = 5 + o.middleBlocks;
    this.exit = new DownBlock(scope, exitBlock, c(728), c(728), c(1024), true, bn, o.padding);
    this.sep3 = new SepConvBn(scope, `block${exitBlock + 1}_sepconv1`, c(1024), c(1536), bn);
    this.sep4 = new SepConvBn(scope, `block${exitBlock + 1}_sepconv2`, c(1536), c(2048), bn);
    this.featureDim = c(2048);
  }

  featureMap(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.apply(this.conv1.apply(x), ctx));
      h = tf.relu(this.bn2.apply(this.conv2.apply(h), ctx));
      for (const b of this.entry) h = b.apply(h, ctx);
      for (const b of this.middle) h = b.apply(h, ctx);
      h = this.exit.apply(h, ctx);
      h = tf.relu(this.sep3.apply(h, ctx));
      h = tf.relu(this.sep4.apply(h, ctx));
      return h;
    });
  }
}
