/**
 * The few layers the backbones are made of, as plain tfjs-core math on declared parameters. Every function here is
 * differentiable with first-order autodiff on the cpu and wasm backends (wasm needs `@cs-dfd/backend`'s training
 * kernels for the convolution and max-pool backprops).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain } from './batch-norm-op.js';
import type { Param, ParamScope } from './params.js';

/** How a forward pass runs. */
export interface ForwardContext {
  /** BatchNorm uses the batch's statistics (true) or the moving ones (false). */
  training: boolean;
  /** In training mode, fold the batch statistics into the moving ones. */
  updateStats: boolean;
}

/** BatchNorm hyper-parameters. */
export interface BatchNormOptions {
  /** Fraction of the moving statistics kept at each update (Keras `momentum`; PyTorch's momentum is 1 - this). */
  momentum: number;
  /** Added to the variance before the square root. */
  epsilon: number;
}

/** Padding: tfjs/TensorFlow `same`/`valid`, or a symmetric pixel count (PyTorch-style `padding=k`). */
export type Padding = 'same' | 'valid' | number;

/**
 * How a backbone pads its k×k convolutions and pools: TensorFlow's `same` (asymmetric on stride 2) or PyTorch's
 * symmetric `k // 2`.
 */
export type ConvPadding = 'same' | 'symmetric';
export const CONV_PADDINGS: readonly ConvPadding[] = ['same', 'symmetric'];

/** The {@link Padding} of a k×k window under a {@link ConvPadding}. */
export function padOf(p: ConvPadding, kernel: number): Padding {
  return p === 'same' ? 'same' : Math.floor(kernel / 2);
}

export interface ConvOptions {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  pad?: Padding;
  bias?: boolean;
  /** He normal on fan-out (`fan-out`, torchvision/Keras-EfficientNet), fan-in (`fan-in`) or Glorot uniform. */
  init?: 'fan-in' | 'fan-out' | 'glorot';
}

function kernelInit(kind: ConvOptions['init'], fanIn: number, fanOut: number) {
  if (kind === 'glorot') return { kind: 'uniform' as const, limit: Math.sqrt(6 / (fanIn + fanOut)) };
  return { kind: 'normal' as const, std: Math.sqrt(2 / (kind === 'fan-out' ? fanOut : fanIn)) };
}

/** 2-D convolution, NHWC, kernel [k, k, in, out]. */
export class Conv2d {
  readonly kernel: Param;
  readonly bias: Param | undefined;
  private readonly stride: number;
  private readonly pad: Padding;

  constructor(scope: ParamScope, o: ConvOptions) {
    const k = o.kernel;
    this.kernel = scope.param(
      'kernel',
      [k, k, o.inChannels, o.outChannels],
      kernelInit(o.init ?? 'fan-in', k * k * o.inChannels, k * k * o.outChannels),
    );
    this.bias =
      o.bias === true ? scope.param('bias', [o.outChannels], { kind: 'constant', value: 0 }) : undefined;
    this.stride = o.stride ?? 1;
    this.pad = o.pad ?? 'same';
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const y = tf.conv2d(x, this.kernel.value as tf.Tensor4D, this.stride, this.pad);
    return this.bias === undefined ? y : tf.add(y, this.bias.value);
  }
}

/** Depthwise 2-D convolution (channel multiplier 1), kernel [k, k, C, 1]. */
export class DepthwiseConv2d {
  readonly kernel: Param;
  private readonly stride: number;
  private readonly pad: Padding;

  constructor(
    scope: ParamScope,
    o: { channels: number; kernel: number; stride?: number; pad?: Padding; init?: ConvOptions['init'] },
  ) {
    const k = o.kernel;
    // Each output channel sees k·k inputs (fan-in) and feeds k·k outputs (fan-out): both are k·k.
    this.kernel = scope.param('kernel', [k, k, o.channels, 1], kernelInit(o.init ?? 'fan-out', k * k, k * k));
    this.stride = o.stride ?? 1;
    this.pad = o.pad ?? 'same';
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.depthwiseConv2d(x, this.kernel.value as tf.Tensor4D, this.stride, this.pad);
  }
}

/**
 * BatchNorm over the channel (last) axis with trainable scale `gamma` and offset `beta` and non-trainable moving
 * statistics. Training mode normalises by the batch's biased variance (as TensorFlow and Keras do) and gradients
 * flow through the batch mean and variance (first order; see {@link batchNormTrain}).
 */
export class BatchNorm {
  readonly gamma: Param;
  readonly beta: Param;
  readonly movingMean: Param;
  readonly movingVariance: Param;

  constructor(
    scope: ParamScope,
    channels: number,
    private readonly options: BatchNormOptions,
  ) {
    this.gamma = scope.param('gamma', [channels], { kind: 'constant', value: 1 });
    this.beta = scope.param('beta', [channels], { kind: 'constant', value: 0 });
    this.movingMean = scope.param('moving_mean', [channels], { kind: 'constant', value: 0 }, false);
    this.movingVariance = scope.param('moving_variance', [channels], { kind: 'constant', value: 1 }, false);
  }

  apply<T extends tf.Tensor>(x: T, ctx: ForwardContext): T {
    const { epsilon, momentum } = this.options;
    if (ctx.training) {
      // One op with a closed-form gradient (batch-norm-op.ts): far fewer full-size passes than autodiff of the
      // composed form, which dominated the BatchNorm CNN's training step on wasm.
      const onStats = ctx.updateStats
        ? (mean: tf.Tensor, variance: tf.Tensor) => this.update(mean, variance, momentum)
        : undefined;
      return batchNormTrain(x, this.gamma.value, this.beta.value, epsilon, onStats);
    }
    // Inference: y = x·scale + shift with per-channel scale = γ/√(σ²+ε), shift = β - μ·scale (two full-size ops).
    const scale = tf.mul(this.gamma.value, tf.rsqrt(tf.add(this.movingVariance.value, epsilon)));
    const shift = tf.sub(this.beta.value, tf.mul(this.movingMean.value, scale));
    return tf.add(tf.mul(x, scale), shift) as T;
  }

  private update(mean: tf.Tensor, variance: tf.Tensor, momentum: number): void {
    tf.tidy(() => {
      const mm = this.movingMean.value;
      const mv = this.movingVariance.value;
      // Under an enclosing gradient tape these ops are recorded but lead to no loss, so they add no gradient.
      mm.assign(tf.add(tf.mul(mm, momentum), tf.mul(mean, 1 - momentum)));
      mv.assign(tf.add(tf.mul(mv, momentum), tf.mul(variance, 1 - momentum)));
    });
  }
}

/** Swish / SiLU: x·σ(x) (EfficientNet's activation). First-order only, which is all a backbone needs. */
export function swish<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** Global average pool NHWC -> [N, C]. */
export function globalAveragePool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]);
}
