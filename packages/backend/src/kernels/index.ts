import '@tensorflow/tfjs-backend-wasm';
import {
  findBackend,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';
import { castSharing } from './Cast.js';
import { conv2DWinograd } from './Conv2D.js';
import { conv2DBackpropFilterGemm } from './Conv2DBackpropFilter.js';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput.js';
import { batchNormTrainConfigs } from './CsDfdBatchNormTrain.js';
import { channelBinary } from './channel_binary.js';
import { depthwiseBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter.js';
import { depthwiseBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput.js';
import { gatherRows } from './GatherV2.js';
import { identityConfig } from './Identity.js';
import { maxPoolGradConfig } from './MaxPoolGrad.js';
import { reduceLeading } from './reduce_leading.js';

export { castSharing } from './Cast.js';
export { conv2DWinograd } from './Conv2D.js';
export { conv2DBackpropFilterGemm, type FilterGemmOptions } from './Conv2DBackpropFilter.js';
export { conv2DBackpropFilterComposed, conv2DBackpropInputComposed } from './Conv2DBackpropInput.js';
export { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, fusedBatchNormApplies } from './CsDfdBatchNormTrain.js';
export { channelBinary } from './channel_binary.js';
export { KernelScope } from './compose.js';
export { depthwiseBackpropFilterComposed } from './DepthwiseConv2dNativeBackpropFilter.js';
export { depthwiseBackpropInputComposed } from './DepthwiseConv2dNativeBackpropInput.js';
export { gatherRows } from './GatherV2.js';
export { identityShared } from './Identity.js';
export { maxPoolGradHeap, maxPoolGradKernel } from './MaxPoolGrad.js';
export { reduceLeading } from './reduce_leading.js';

/**
 * The kernels {@link registerWasmTrainingKernels} installs, and what wasm 4.22.0 ships instead. `Identity`
 * through `Sub` are speed-ups only (results equal to tfjs's own kernels; `Conv2D`'s to float rounding); they handle the common case and
 * hand everything else to the stock kernel. The last two are kernels of this package's own (training-mode
 * BatchNorm and its gradient, which `@cs-dfd/detectors` calls where {@link fusedBatchNormApplies}).
 */
export const WASM_TRAINING_KERNELS = [
  { kernelName: 'Conv2DBackpropFilter', replaces: 'missing' },
  { kernelName: 'Conv2DBackpropInput', replaces: 'naive loop' },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', replaces: 'missing' },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', replaces: 'missing' },
  { kernelName: 'MaxPoolGrad', replaces: 'wrong when a window maximum is <= 0' },
  { kernelName: 'Identity', replaces: 'copies the tensor (run for every tensor saved for a gradient)' },
  { kernelName: 'Cast', replaces: 'copies the tensor when the dtype does not change' },
  { kernelName: 'Sum', replaces: 'transposes the input to reduce leading axes' },
  { kernelName: 'Mean', replaces: 'transposes the input to reduce leading axes' },
  { kernelName: 'GatherV2', replaces: 'element-wise index loop for whole rows' },
  { kernelName: 'Conv2D', replaces: 'direct convolution (XNNPACK) for 3x3 stride-1 layers' },
  { kernelName: 'Add', replaces: 'slow broadcasting of a per-channel vector' },
  { kernelName: 'Multiply', replaces: 'slow broadcasting of a per-channel vector' },
  { kernelName: 'Sub', replaces: 'slow broadcasting of a per-channel vector' },
  { kernelName: 'CsDfdBatchNormTrain', replaces: 'new: training-mode BatchNorm in one SIMD kernel' },
  { kernelName: 'CsDfdBatchNormTrainGrad', replaces: 'new: its gradient in one SIMD kernel' },
] as const;

const ours = new WeakSet<KernelFunc>();
const stock = new Map<string, KernelConfig>();

/** wasm's own kernel `name` (the one ours delegate to outside their fast case). */
function stockKernel(name: string): KernelConfig {
  const current = getKernel(name, 'wasm');
  const original = current != null && !ours.has(current.kernelFunc) ? current : stock.get(name);
  if (original == null) {
    throw new BackendError(
      'kernel-missing',
      `tfjs-backend-wasm registers no '${name}' kernel to fall back to`,
    );
  }
  return original;
}

/**
 * Ours, wrapping the stock kernel: its setupFunc still runs when the wasm backend starts after registration,
 * because the stock kernel binds its wasm function there and ours calls it outside the fast case.
 */
function delegating(name: string, wrap: (stockFunc: KernelFunc) => KernelFunc): KernelConfig {
  const original = stockKernel(name);
  const config: KernelConfig = {
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: wrap(original.kernelFunc),
  };
  if (original.setupFunc != null) config.setupFunc = original.setupFunc;
  return config;
}

function configs(): KernelConfig[] {
  const list = [
    { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterGemm('wasm') },
    conv2DBackpropInputConfig('wasm'),
    depthwiseBackpropFilterConfig('wasm'),
    depthwiseBackpropInputConfig('wasm'),
    maxPoolGradConfig('wasm'),
    identityConfig('wasm'),
    delegating('Cast', castSharing),
    delegating('Sum', (f) => reduceLeading('sum', f)),
    delegating('Mean', (f) => reduceLeading('mean', f)),
    delegating('GatherV2', gatherRows),
    delegating('Conv2D', conv2DWinograd),
    delegating('Add', (f) => channelBinary('add', f)),
    delegating('Multiply', (f) => channelBinary('mul', f)),
    delegating('Sub', (f) => channelBinary('sub', f)),
    ...batchNormTrainConfigs('wasm'),
  ];
  for (const c of list) ours.add(c.kernelFunc);
  return list;
}

/** What one call of {@link registerWasmTrainingKernels} did per kernel. */
export interface KernelRegistration {
  kernelName: string;
  action: 'added' | 'replaced' | 'already-registered';
}

/**
 * Installs the wasm kernels training needs (see {@link WASM_TRAINING_KERNELS}). Idempotent: a second call finds
 * its own kernels and changes nothing. Touches only backend 'wasm', so the cpu backend keeps its reference
 * kernels. Works before or after the wasm backend is initialised (the kernels that fall back to a stock kernel
 * carry its setup along).
 */
export function registerWasmTrainingKernels(): KernelRegistration[] {
  return configs().map((config) => {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing != null && ours.has(existing.kernelFunc)) {
      return { kernelName: config.kernelName, action: 'already-registered' };
    }
    if (existing != null) {
      stock.set(config.kernelName, existing);
      unregisterKernel(config.kernelName, 'wasm');
    }
    registerKernel(config);
    return { kernelName: config.kernelName, action: existing != null ? 'replaced' : 'added' };
  });
}

/**
 * Puts back wasm's own kernels (and removes the ones it lacked). For benchmarks and tests that compare with
 * stock tfjs; training code never needs it.
 */
export function restoreStockWasmKernels(): void {
  for (const { kernelName } of WASM_TRAINING_KERNELS) {
    const current = getKernel(kernelName, 'wasm');
    if (current == null || !ours.has(current.kernelFunc)) continue;
    unregisterKernel(kernelName, 'wasm');
    const original = stock.get(kernelName);
    if (original == null) continue;
    registerKernel(original);
    // A stock kernel binds its wasm function when the backend starts; if that happened while ours was
    // registered, bind it now.
    const wasm = findBackend('wasm');
    if (wasm != null) original.setupFunc?.(wasm);
  }
}

/** The stock wasm kernel this package replaced, if any: lets tests show the bug the replacement fixes. */
export function stockWasmKernel(kernelName: string): KernelConfig | undefined {
  const current = getKernel(kernelName, 'wasm');
  if (current != null && !ours.has(current.kernelFunc)) return current;
  return stock.get(kernelName);
}
