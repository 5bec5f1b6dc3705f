/** Per-task gradients on worker threads (DESIGN §3.3, §12). */
export { WorkerPoolError, type WorkerPoolErrorCode } from './errors.js';
export type { Group, ReplicaLayout, Segment } from './layout.js';
export { parallelDisjointStep } from './parallel-step.js';
export {
  defaultWorkerScript,
  type Placement,
  TaskWorkerPool,
  type WorkerPoolOptions,
  workerExecArgv,
} from './pool.js';
export type { Replica, ReplicaModule, ReplicaTask } from './replica.js';
