import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';

/**
 * The part of tfjs-backend-wasm's BackendWasm that the heap kernels use: allocating an output on the wasm heap and
 * viewing a tensor's heap bytes. Its class is not exported in a form we can test against, so this is structural.
 */
export interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

export function isHeapBackend(b: object): b is HeapBackend {
  const h = b as Partial<HeapBackend>;
  return typeof h.makeOutput === 'function' && typeof h.typedArrayFromHeap === 'function';
}

/** `backend` as a {@link HeapBackend}, or a typed error naming the kernel that needed one. */
export function heapBackend(backend: object, kernel: string): HeapBackend {
  if (!isHeapBackend(backend)) {
    throw new BackendError('bad-argument', `${kernel} needs a backend with a wasm heap (the wasm backend)`);
  }
  return backend;
}
