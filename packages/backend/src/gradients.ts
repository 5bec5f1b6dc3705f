// tfjs-core's Node build (tf-core.node.js) registers no gradients at all: they live in its ESM sources, which
// Node cannot load (extension-less imports). tfjs-layers' Node bundle carries and registers all of them in the
// process-wide registry, so importing it is what makes `tf.grad` work in Node.
// This module registers this package's gradients, one file per kernel in gradients/ (named as tfjs-core names
// its own: <Kernel>_grad.ts).
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';
import { avgPoolGrad } from './gradients/AvgPool_grad.js';
import { avgPoolGradGrad } from './gradients/AvgPoolGrad_grad.js';
import { conv2DBackpropFilterGrad } from './gradients/Conv2DBackpropFilter_grad.js';
import { depthwiseBackpropFilterGrad } from './gradients/DepthwiseConv2dNativeBackpropFilter_grad.js';
import { depthwiseBackpropInputGrad } from './gradients/DepthwiseConv2dNativeBackpropInput_grad.js';
import { maxPoolGradGrad } from './gradients/MaxPoolGrad_grad.js';
import { meanGrad } from './gradients/Mean_grad.js';
import { sumGrad } from './gradients/Sum_grad.js';

export { maxPoolSelect } from './gradients/MaxPoolGrad_grad.js';

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

/** Gradients whose tfjs 4.22 version is wrong, replaced by {@link registerSecondOrderGradients}. */
export const CORRECTED_GRADIENTS = ['AvgPool'] as const;

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

/** The kernels whose tfjs gradients {@link registerReductionGradients} replaces. */
export const REDUCTION_GRADIENTS = ['Sum', 'Mean'] as const;

/**
 * Replaces tfjs's Sum and Mean gradients by equal ones that build no full-size host array (process-wide, every
 * backend; same values, still differentiable). Idempotent.
 */
export function registerReductionGradients(): void {
  for (const g of [sumGrad, meanGrad]) {
    if (tf.getGradient(g.kernelName) !== g) tf.registerGradient(g);
  }
}
