import type { TensorInfo } from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';
import type { HeapBackend } from '../kernels/heap.js';
import { TRAIN_KERNELS_WASM } from './train-kernels.wasm.js';

/**
 * The SIMD kernels of `train-kernels.wat`, bound to one wasm backend's heap. Arguments are byte offsets on that
 * heap ({@link heapPointer}) and sizes; see the .wat for each kernel's contract.
 */
export interface TrainKernels {
  filterGrad(
    planes: number,
    offsets: number,
    K: number,
    dy: number,
    dw: number,
    co: number,
    B: number,
    OH: number,
    OW: number,
    Hp: number,
    rowElems: number,
    sh: number,
    colElems: number,
  ): void;
  maxPool2x2Grad(x: number, dy: number, dx: number, B: number, H: number, W: number, C: number): void;
  batchNormTrain(
    x: number,
    rows: number,
    C: number,
    gamma: number,
    beta: number,
    epsilon: number,
    xc: number,
    y: number,
    mean: number,
    variance: number,
    invStd: number,
    scratch: number,
  ): void;
  winogradF2x3(
    x: number,
    U: number,
    y: number,
    B: number,
    H: number,
    W: number,
    Ci: number,
    Co: number,
    padTop: number,
    padLeft: number,
    OH: number,
    OW: number,
    scratch: number,
  ): void;
  winogradFilterGrad(
    x: number,
    dy: number,
    M: number,
    B: number,
    H: number,
    W: number,
    Ci: number,
    Co: number,
    padTop: number,
    padLeft: number,
    OH: number,
    OW: number,
    scratch: number,
    offsets: number,
  ): void;
  /** out = a (op) k[c] per channel: op 0 add, 1 multiply, 2 a − k, 3 k − a. */
  channelBinary(a: number, k: number, out: number, rows: number, C: number, op: number): void;
  /** f64 s1[c] = Σ_r a[r, c] and, when b ≠ 0, s2[c] = Σ_r a[r, c]·b[r, c] (both zeroed first). */
  channelSums(a: number, b: number, rows: number, C: number, s1: number, s2: number): void;
  batchNormTrainGrad(
    dy: number,
    xc: number,
    invStd: number,
    gamma: number,
    rows: number,
    C: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    scratch: number,
  ): void;
}

/** What the kernels need of tfjs-backend-wasm's BackendWasm beyond {@link HeapBackend} (not in its typings). */
interface WasmInternals {
  wasm?: { asm?: { memory?: unknown } };
  dataIdMap?: { get(dataId: object): { memoryOffset: number | null } | undefined };
}

/** The WebAssembly JS API as used here (Node has it; @types/node 20 does not declare it, lib.dom would). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;
const bound = new WeakMap<object, TrainKernels | null>();

/**
 * The kernels on `backend`'s heap, or null where they cannot run there (a backend without an exported
 * non-shared memory, e.g. a threaded wasm build): callers then take their plain-JS path. Instantiated once per
 * backend (each worker thread has its own).
 */
export function trainKernels(backend: HeapBackend): TrainKernels | null {
  const known = bound.get(backend);
  if (known !== undefined) return known;
  let kernels: TrainKernels | null = null;
  const memory = (backend as unknown as WasmInternals).wasm?.asm?.memory;
  if (memory instanceof wasmApi.Memory) {
    try {
      compiled ??= new wasmApi.Module(Uint8Array.from(atob(TRAIN_KERNELS_WASM), (c) => c.charCodeAt(0)));
      const exports = new wasmApi.Instance(compiled, { env: { memory } }).exports;
      kernels = {
        filterGrad: exports.filter_grad as TrainKernels['filterGrad'],
        maxPool2x2Grad: exports.max_pool_2x2_grad as TrainKernels['maxPool2x2Grad'],
        batchNormTrain: exports.batch_norm_train as TrainKernels['batchNormTrain'],
        batchNormTrainGrad: exports.batch_norm_train_grad as TrainKernels['batchNormTrainGrad'],
        channelBinary: exports.channel_binary as TrainKernels['channelBinary'],
        channelSums: exports.channel_sums as TrainKernels['channelSums'],
        winogradF2x3: exports.winograd_f2x3 as TrainKernels['winogradF2x3'],
        winogradFilterGrad: exports.winograd_filter_grad as TrainKernels['winogradFilterGrad'],
      };
    } catch {
      // A memory the module cannot import (shared, or limits it rejects): the JS paths serve instead.
      kernels = null;
    }
  }
  bound.set(backend, kernels);
  return kernels;
}

/** Byte offset of `t`'s data on the wasm heap. */
export function heapPointer(backend: HeapBackend, t: TensorInfo): number {
  const entry = (backend as unknown as WasmInternals).dataIdMap?.get(t.dataId);
  if (entry?.memoryOffset == null) {
    throw new BackendError('bad-argument', `tensor of shape [${t.shape}] has no data on the wasm heap`);
  }
  return entry.memoryOffset;
}
