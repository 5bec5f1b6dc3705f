import '@tensorflow/tfjs-backend-cpu';
import type { Rng } from '@cs-dfd/rng';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { getKernel, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { registerReductionGradients, registerSecondOrderGradients } from '../src/gradients.js';
import { registerWasmTrainingKernels } from '../src/kernels/index.js';
import { wasmBinaryFolder } from '../src/wasm-paths.js';

/** Initialises cpu and wasm once (kernels + gradients registered, as initBackend does) and leaves `cpu` active. */
export async function setupBackends(): Promise<void> {
  setWasmPaths(wasmBinaryFolder());
  registerWasmTrainingKernels();
  registerSecondOrderGradients();
  registerReductionGradients();
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
  // Silence the cpu backend's one-time "install tfjs-node" banner (IS_TEST would too, but it also turns on a
  // data-id leak check that counts wasm's copying Identity, used by every customGrad save, as a leak).
  (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
}

export type BackendName = 'cpu' | 'wasm';
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

export function backendOf(name: BackendName): KernelBackend {
  const b = tf.findBackend(name);
  if (b == null) throw new Error(`backend ${name} not initialised`);
  return b;
}

export interface HostTensor {
  values: Float32Array;
  shape: number[];
}

export function randomTensor(rng: Rng, shape: number[], lo = -1, hi = 1): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { values: Float32Array.from({ length: n }, () => rng.uniform(lo, hi)), shape };
}

/**
 * Runs one registered kernel directly on one backend (no engine, no tape) and returns its output on the host.
 * With `kernelFunc` given, runs that implementation instead of the registered one (to show a stock kernel's bug).
 */
export function runKernelOn(
  backendName: BackendName,
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: NamedAttrMap,
  kernelFunc = getKernel(kernelName, backendName)?.kernelFunc,
): HostTensor {
  if (kernelFunc == null) throw new Error(`kernel ${kernelName} missing on ${backendName}`);
  const backend = backendOf(backendName);
  const infos: Record<string, TensorInfo> = {};
  for (const [k, t] of Object.entries(inputs)) {
    infos[k] = { dataId: backend.write(t.values, t.shape, 'float32'), shape: t.shape, dtype: 'float32' };
  }
  const out = kernelFunc({ inputs: infos, attrs, backend });
  const info = (Array.isArray(out) ? out[0] : out) as TensorInfo;
  const values = Float32Array.from(backend.readSync(info.dataId) as Float32Array);
  backend.disposeData(info.dataId);
  for (const t of Object.values(infos)) backend.disposeData(t.dataId);
  return { values, shape: [...info.shape] };
}

/** Max |a - b| relative to (1 + max |b|): float32 sums of O(100) terms stay well under 1e-4 of that. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / (1 + scale);
}

/** A convolution's padding: `valid`, `same` or explicit [top, bottom] × [left, right] of 0–2. */
export type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];
export const padArb: fc.Arbitrary<Pad> = fc.oneof(
  fc.constant('valid' as const),
  fc.constant('same' as const),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(
    ([t, b, l, r]) =>
      [
        [0, 0],
        [t, b],
        [l, r],
        [0, 0],
      ] as Pad,
  ),
);
