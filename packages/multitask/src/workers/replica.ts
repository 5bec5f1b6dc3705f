/**
 * The contract between a training script and the worker threads that compute its per-task gradients: a module
 * that every worker `import()`s to build its own replica of the model. The main thread builds its replica from
 * the same module and owns the real parameters; worker replicas only ever hold copies.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** One task (source) of a replica: its own variables and its loss on a sub-batch. */
export interface ReplicaTask {
  /** Task name, unique within the replica. */
  readonly name: string;
  /** Variables only this task uses (its head); they get this task's gradient only. */
  readonly variables?: readonly tf.Variable[];
  /**
   * The task's loss on the sub-batch `inputs` (the tensors handed to `taskGradients` for this task, in order,
   * e.g. `[images, labels]`). Runs under a tape; must depend only on `inputs` and the replica's variables, so that
   * every replica computes the same function.
   */
  loss(inputs: readonly tf.Tensor[]): tf.Scalar;
}

/**
 * A model as the workers see it: the shared variables and the tasks. Every replica built by one module with one
 * `options` must list variables of the same shapes in the same order; the pool checks this when it starts.
 *
 * Only the variables listed here are synchronised. Non-trainable state that a training forward changes (BatchNorm
 * moving statistics) is listed in `state`: before each task a worker's state is set to the main thread's, and its
 * values after the task come back per task ({@link TaskWorkerPool.taskStates}); the caller decides how to fold them
 * into the main thread's state (the trainer replays BatchNorm's per-source updates in task order).
 */
export interface Replica {
  readonly shared: readonly tf.Variable[];
  readonly tasks: readonly ReplicaTask[];
  /** Non-trainable float32 state a task's forward may change (e.g. BatchNorm moving statistics). Default none. */
  readonly state?: readonly tf.Variable[];
}

/**
 * What the module given to the pool exports (named exports). `options` is the structured-clonable value given to
 * the pool, passed unchanged to both functions.
 */
export interface ReplicaModule {
  /**
   * Runs once per worker before `createReplica`: choose and start the backend (`initBackend({ backend: 'wasm' })`),
   * register kernels and gradients. A worker is a fresh JavaScript realm: nothing the main thread registered exists
   * there.
   */
  setup?(options: unknown): unknown;
  /** Builds the replica (its variables' initial values do not matter: they are overwritten before each use). */
  createReplica(options: unknown): Replica | Promise<Replica>;
}
