/**
 * The default detector backbone: a small plain CNN that trains in minutes on a CPU at 64×64.
 * Per block: 3×3 conv (stride 1, same padding) -> BatchNorm -> ReLU -> 2×2 max-pool (stride 2); then a global
 * average pool. Without BatchNorm the convolutions carry a bias instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm, type BatchNormOptions, Conv2d, type ForwardContext } from '../layers.js';
import type { ParamScope } from '../params.js';
import type { Backbone } from './types.js';

/** Options of the small CNN. */
export interface SmallCnnOptions {
  kind: 'small-cnn';
  /** Output channels of each conv block. Default [32, 64, 128]. */
  channels: number[];
  /** BatchNorm after each convolution. Default true. */
  batchNorm: boolean;
}

export const SMALL_CNN_DEFAULTS: Omit<SmallCnnOptions, 'kind'> = { channels: [32, 64, 128], batchNorm: true };

interface Block {
  conv: Conv2d;
  bn: BatchNorm | undefined;
}

export class SmallCnn implements Backbone {
  readonly featureDim: number;
  private readonly blocks: Block[];

  constructor(scope: ParamScope, o: SmallCnnOptions, bn: BatchNormOptions) {
    let inC = 3;
    this.blocks = o.channels.map((outC, i) => {
      const s = scope.child(`block${i + 1}`);
      const conv = new Conv2d(s.child('conv'), {
        inChannels: inC,
        outChannels: outC,
        kernel: 3,
        pad: 'same',
        bias: !o.batchNorm,
        init: 'fan-in',
      });
      inC = outC;
      return { conv, bn: o.batchNorm ? new BatchNorm(s.child('bn'), outC, bn) : undefined };
    });
    this.featureDim = inC;
  }

  featureMap(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const b of this.blocks) {
        h = b.conv.apply(h);
        if (b.bn !== undefined) h = b.bn.apply(h, ctx);
        h = tf.maxPool(tf.relu(h), 2, 2, 'valid');
      }
      return h;
    });
  }
}
