/**
 * The detector as `@cs-dfd/multitask`'s worker replica (the module each of the trainer's step workers imports):
 * every trainable variable shared, one task per fake source whose loss is the detector's training-mode BCE on
 * that source's sub-batch, and BatchNorm's moving statistics as the replica's state.
 *
 * A worker's detector is built with BatchNorm momentum 0, so after a task its moving statistics hold that
 * sub-batch's batch mean and variance exactly (0·r + 1·b = b in float32); the main thread then folds them into the
 * real statistics with the detector's own update, source after source, as the main-thread step does.
 */
import { initBackend } from '@cs-dfd/backend';
import { createDetector, type DetectorOptions } from '@cs-dfd/detectors';
import type { Replica } from '@cs-dfd/multitask/workers';
import type * as tf from '@tensorflow/tfjs-core';

/** What a worker builds its replica from (structured-clonable). */
export interface StepReplicaOptions {
  /** `@cs-dfd/backend` candidate the main thread runs on (the workers use the same kernels). */
  backend: string;
  /** The run's detector options (weights are not needed: the pool overwrites them before every step). */
  detector: DetectorOptions;
  freezeBatchNorm: boolean;
  /** Fake sources, one task each, in plan order. */
  sources: readonly string[];
}

/** Worker set-up: the main thread's backend with `@cs-dfd/backend`'s kernels and gradients. */
export async function setup(options: StepReplicaOptions): Promise<void> {
  await initBackend({ backend: options.backend as never });
}

/** The replica of a detector ({@link detectorReplica}) built in a worker, with BatchNorm momentum 0. */
export function createReplica(options: StepReplicaOptions): Replica {
  const batchNorm = { ...(options.detector.batchNorm ?? {}), momentum: 0 };
  const detector = createDetector({ ...options.detector, batchNorm });
  detector.freezeBatchNorm = options.freezeBatchNorm;
  return detectorReplica(detector, options.sources);
}

/** A detector as a replica: its trainable variables shared, one task per source, its moving statistics as state. */
export function detectorReplica(
  detector: ReturnType<typeof createDetector>,
  sources: readonly string[],
): Replica {
  return {
    shared: detector.trainableVariables(),
    state: detector.stateVariables(),
    tasks: sources.map((name) => ({
      name,
      loss: ([x, y]: readonly tf.Tensor[]) => detector.loss(x as tf.Tensor4D, y as tf.Tensor1D, true),
    })),
  };
}
