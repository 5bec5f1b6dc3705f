import {
  findBackend,
  getBackend,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';
import { heapPointer, trainKernels } from '../wasm/kernels.js';
import { type HeapBackend, heapBackend, isHeapBackend } from './heap.js';

/**
 * Training-mode BatchNorm over the last axis as one wasm SIMD kernel (`batch_norm_train` of train-kernels.wat).
 * Inputs `x` (any rank, channels last), `gamma`, `beta` ([C]); attr `epsilon`. Outputs, in order: `y`, the centred
 * input `x - μ` (what the gradient needs), and per channel μ, the biased variance σ² and 1/√(σ² + ε). μ and σ²
 * come from float64 sums of x and x² in one pass; a second pass writes both full-size outputs. Needs C a multiple
 * of 4 and float32 (see {@link fusedBatchNormApplies}); anything else is a `bad-argument` error.
 */
export const BATCH_NORM_TRAIN = 'CsDfdBatchNormTrain';

/**
 * The gradient of {@link BATCH_NORM_TRAIN}: inputs `dy`, `xc` (the centred input), `invStd`, `gamma`; outputs
 * ∂x, ∂γ, ∂β (TensorFlow's FusedBatchNormGrad in training mode, sums in float64): one pass for Σdy and Σdy·xc per
 * channel, one for ∂x = a·dy + b·xc + k with per-channel a, b, k.
 */
export const BATCH_NORM_TRAIN_GRAD = 'CsDfdBatchNormTrainGrad';

/**
 * Whether the active backend runs {@link BATCH_NORM_TRAIN} for `channels` channels: wasm with this package's
 * kernels registered and its SIMD module bound, and a multiple of 4 channels. Callers take their composed form
 * otherwise (cpu, tfjs-node, other channel counts).
 */
export function fusedBatchNormApplies(channels: number): boolean {
  if (channels <= 0 || channels % 4 !== 0) return false;
  const name = getBackend();
  if (name == null || getKernel(BATCH_NORM_TRAIN, name) == null) return false;
  const backend = findBackend(name);
  return backend != null && isHeapBackend(backend) && trainKernels(backend) != null;
}

function channelGeometry(kernel: string, x: TensorInfo, heap: HeapBackend) {
  const C = x.shape[x.shape.length - 1] ?? 0;
  const size = x.shape.reduce((a, b) => a * b, 1);
  const simd = trainKernels(heap);
  if (simd == null || x.dtype !== 'float32' || C === 0 || C % 4 !== 0 || size === 0) {
    throw new BackendError(
      'bad-argument',
      `${kernel} needs a float32 input with a multiple of 4 channels on a wasm backend with the SIMD module, ` +
        `got ${x.dtype} [${x.shape}]${simd == null ? ' (SIMD module not bound)' : ''}`,
    );
  }
  return { C, rows: size / C, simd };
}

const batchNormTrain: KernelFunc = ({ inputs, backend, attrs }) => {
  const heap = heapBackend(backend, BATCH_NORM_TRAIN);
  const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const { C, rows, simd } = channelGeometry(BATCH_NORM_TRAIN, x, heap);
  const epsilon = Number((attrs as { epsilon?: number }).epsilon ?? 1e-3);
  const y = heap.makeOutput([...x.shape], 'float32');
  const xc = heap.makeOutput([...x.shape], 'float32');
  const mean = heap.makeOutput([C], 'float32');
  const variance = heap.makeOutput([C], 'float32');
  const invStd = heap.makeOutput([C], 'float32');
  const scratch = heap.makeOutput([8 * C], 'float32');
  const p = (t: TensorInfo) => heapPointer(heap, t);
  simd.batchNormTrain(
    p(x),
    rows,
    C,
    p(gamma),
    p(beta),
    epsilon,
    p(xc),
    p(y),
    p(mean),
    p(variance),
    p(invStd),
    p(scratch),
  );
  heap.disposeData(scratch.dataId);
  return [y, xc, mean, variance, invStd];
};

const batchNormTrainGrad: KernelFunc = ({ inputs, backend }) => {
  const heap = heapBackend(backend, BATCH_NORM_TRAIN_GRAD);
  const { dy, xc, invStd, gamma } = inputs as Record<'dy' | 'xc' | 'invStd' | 'gamma', TensorInfo>;
  const { C, rows, simd } = channelGeometry(BATCH_NORM_TRAIN_GRAD, dy, heap);
  const dx = heap.makeOutput([...dy.shape], 'float32');
  const dgamma = heap.makeOutput([C], 'float32');
  const dbeta = heap.makeOutput([C], 'float32');
  const scratch = heap.makeOutput([8 * C], 'float32');
  const p = (t: TensorInfo) => heapPointer(heap, t);
  simd.batchNormTrainGrad(p(dy), p(xc), p(invStd), p(gamma), rows, C, p(dx), p(dgamma), p(dbeta), p(scratch));
  heap.disposeData(scratch.dataId);
  return [dx, dgamma, dbeta];
};

export function batchNormTrainConfigs(backendName: string): KernelConfig[] {
  return [
    { kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: batchNormTrain },
    { kernelName: BATCH_NORM_TRAIN_GRAD, backendName, kernelFunc: batchNormTrainGrad },
  ];
}
