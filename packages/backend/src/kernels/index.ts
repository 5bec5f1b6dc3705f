import '@tensorflow/tfjs-backend-wasm';
import {
  findBackend,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { conv2DBackpropInputConfig } from './conv2d-backprop.js';
import { conv2DBackpropFilterGemm } from './conv2d-filter-gemm.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop.js';
import { maxPoolGradConfig } from './max-pool-grad.js';

export { KernelScope } from './compose.js';
export { conv2DBackpropFilterComposed, conv2DBackpropInputComposed } from './conv2d-backprop.js';
export { conv2DBackpropFilterGemm, type FilterGemmOptions } from './conv2d-filter-gemm.js';
export { depthwiseBackpropFilterComposed, depthwiseBackpropInputComposed } from './depthwise-backprop.js';
export { maxPoolGradHeap } from './max-pool-grad.js';

/** The kernels {@link registerWasmTrainingKernels} installs, and whether wasm 4.22.0 ships one of its own. */
export const WASM_TRAINING_KERNELS = [
  { kernelName: 'Conv2DBackpropFilter', replaces: 'missing' },
  { kernelName: 'Conv2DBackpropInput', replaces: 'naive loop' },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', replaces: 'missing' },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', replaces: 'missing' },
  { kernelName: 'MaxPoolGrad', replaces: 'wrong when a window maximum is <= 0' },
] as const;

const ours = new WeakSet<KernelFunc>();
const stock = new Map<string, KernelConfig>();

function configs(): KernelConfig[] {
  const list = [
    { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterGemm('wasm') },
    conv2DBackpropInputConfig('wasm'),
    depthwiseBackpropFilterConfig('wasm'),
    depthwiseBackpropInputConfig('wasm'),
    maxPoolGradConfig('wasm'),
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
 * kernels. Works before or after the wasm backend is initialised (the kernels need no setup).
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
