/**
 * ResNet-18 (He et al., CVPR 2016) in torchvision's layout: 7×7/2 stem conv, BatchNorm, ReLU, 3×3/2 max-pool, four
 * stages of two BasicBlocks (64, 128, 256, 512 channels; stride 2 and a 1×1 projection shortcut at the start of
 * stages 2-4), global average pool; no fc layer (the detector head replaces it). Padding is PyTorch's symmetric
 * `k // 2`, so converted torchvision weights compute the same function. Convolutions have no bias; kernels start
 * as torchvision's Kaiming normal on fan-out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm, type BatchNormOptions, Conv2d, type ForwardContext } from '../layers.js';
import type { ParamScope } from '../params.js';
import { type Backbone, scaleChannels } from './types.js';

/** Options of ResNet-18. */
export interface ResNetOptions {
  kind: 'resnet18';
  /** Multiplies every stage's channel count (64, 128, 256, 512). Default 1 (the published network). */
  width: number;
}

export const RESNET_DEFAULTS: Omit<ResNetOptions, 'kind'> = { width: 1 };

const STAGES = [64, 128, 256, 512] as const;
const BLOCKS_PER_STAGE = 2;

class BasicBlock {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm;
  private readonly down: { conv: Conv2d; bn: BatchNorm } | undefined;

  constructor(scope: ParamScope, inC: number, outC: number, stride: number, bn: BatchNormOptions) {
    const conv = (name: string, i: number, k: number, s: number) =>
      new Conv2d(scope.child(name), {
        inChannels: i,
        outChannels: outC,
        kernel: k,
        stride: s,
        pad: Math.floor(k / 2),
        init: 'fan-out',
      });
    this.conv1 = conv('conv1', inC, 3, stride);
    this.bn1 = new BatchNorm(scope.child('bn1'), outC, bn);
    this.conv2 = conv('conv2', outC, 3, 1);
    this.bn2 = new BatchNorm(scope.child('bn2'), outC, bn);
    this.down =
      stride !== 1 || inC !== outC
        ? {
            conv: conv('downsample/conv', inC, 1, stride),
            bn: new BatchNorm(scope.child('downsample/bn'), outC, bn),
          }
        : undefined;
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    let h = tf.relu(this.bn1.apply(this.conv1.apply(x), ctx));
    h = this.bn2.apply(this.conv2.apply(h), ctx);
    const shortcut = this.down === undefined ? x : this.down.bn.apply(this.down.conv.apply(x), ctx);
    return tf.relu(tf.add(h, shortcut) as tf.Tensor4D);
  }
}

export class ResNet18 implements Backbone {
  readonly featureDim: number;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm;
  private readonly blocks: BasicBlock[] = [];

  constructor(scope: ParamScope, o: ResNetOptions, bn: BatchNormOptions) {
    const widths = STAGES.map((c) => scaleChannels(c, o.width));
    const stem = widths[0] as number;
    this.conv1 = new Conv2d(scope.child('conv1'), {
      inChannels: 3,
      outChannels: stem,
      kernel: 7,
      stride: 2,
      pad: 3,
      init: 'fan-out',
    });
    this.bn1 = new BatchNorm(scope.child('bn1'), stem, bn);
    let inC = stem;
    widths.forEach((outC, s) => {
      for (let b = 0; b < BLOCKS_PER_STAGE; b++) {
        const stride = s > 0 && b === 0 ? 2 : 1;
        this.blocks.push(new BasicBlock(scope.child(`layer${s + 1}/${b}`), inC, outC, stride, bn));
        inC = outC;
      }
    });
    this.featureDim = inC;
  }

  featureMap(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.bn1.apply(this.conv1.apply(x), ctx));
      h = tf.maxPool(h, 3, 2, 1);
      for (const b of this.blocks) h = b.apply(h, ctx);
      return h;
    });
  }
}
