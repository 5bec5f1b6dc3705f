import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '@cs-dfd/backend';
import * as tf from '@tensorflow/tfjs-core';
import { type StandardHead, standardHead } from '../src/index.js';
import type { HostProblem } from './host.js';

export type BackendName = 'cpu' | 'wasm';
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

let ready: Promise<void> | undefined;

/** Starts wasm (with @cs-dfd/backend's kernels and gradients, which also registers tfjs's gradients) and cpu. */
export function setupBackends(): Promise<void> {
  ready ??= (async () => {
    await initBackend({ backend: 'wasm', env: {} });
    await tf.setBackend('cpu');
    // Silences the cpu backend's one-time "install tfjs-node" banner.
    (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
  })();
  return ready;
}

/** The tensors of a host problem on the active backend. */
export interface TensorProblem {
  F: tf.Tensor2D;
  head: StandardHead;
  /** [F, Wp, bp, v, b], the order of the host's `flatten`. */
  xs: tf.Tensor[];
  batch: { labels: number[]; sources: number[][] };
}

export function toTensors(p: HostProblem): TensorProblem {
  const F = tf.tensor2d(p.F);
  const Wp = tf.tensor2d(p.Wp);
  const bp = tf.tensor1d(p.bp);
  const v = tf.tensor1d(p.v);
  const b = tf.scalar(p.b);
  return {
    F,
    head: standardHead({ Wp, bp, v, b }, p.act),
    xs: [F, Wp, bp, v, b],
    batch: { labels: p.y, sources: p.sources },
  };
}

/** Flattened concatenation of tensors' values as float64. */
export function flat(ts: readonly tf.Tensor[]): number[] {
  return ts.flatMap((t) => Array.from(t.dataSync()));
}

/** max |a - b| / (scale + max |b|). */
export function relErr(a: readonly number[], b: readonly number[], scale = 1): number {
  let err = 0;
  let mag = 0;
  b.forEach((x, i) => {
    err = Math.max(err, Math.abs(a[i]! - x));
    mag = Math.max(mag, Math.abs(x));
  });
  return err / (scale + mag);
}
