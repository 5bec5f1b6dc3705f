/** Messages between the pool (main thread) and its workers. All of it is structured-clonable. */
import type { ReplicaLayout } from './layout.js';

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  index: number;
  /** URL (file:) of the replica module. */
  module: string;
  options: unknown;
  layout: ReplicaLayout;
  /** Parameters, written by the main thread before each step (layout: `layout`). */
  parameters: SharedArrayBuffer;
  /** One buffer per task: that task's gradient, shared part then own part. */
  gradients: readonly SharedArrayBuffer[];
  /** One buffer per task: the replica's state after that task (layout: `layout.state`). */
  states: readonly SharedArrayBuffer[];
}

/** A tensor's contents in transit (its buffer is transferred, not copied). */
export interface TensorData {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  data: Float32Array | Int32Array | Uint8Array;
}

/** Main -> worker: compute task `task`'s gradient at parameter version `version`. */
export interface TaskRequest {
  type: 'task';
  id: number;
  task: number;
  version: number;
  inputs: TensorData[];
}

/** Worker -> main. `tensors` is the worker's `tf.memory().numTensors` after the work. */
export type WorkerReply =
  | { type: 'ready'; layout: ReplicaLayout; backend: string; tensors: number }
  | { type: 'done'; id: number; loss: number; ms: number; tensors: number }
  | { type: 'failed'; id: number | null; message: string };
