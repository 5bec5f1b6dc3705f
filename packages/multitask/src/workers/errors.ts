/** What went wrong in the worker pool. */
export type WorkerPoolErrorCode =
  | 'not-built' // the compiled worker script is missing (running from TypeScript sources without a build)
  | 'invalid-option' // workers < 1, a bad module URL, a task index out of range
  | 'replica-mismatch' // a worker's replica lists other variables (count, shape, dtype) than the main thread's
  | 'invalid-input' // a task's inputs are missing or not numeric tensors
  | 'worker-failed' // the module, the replica or a task's loss threw in a worker, or a worker died
  | 'closed'; // the pool was closed

/**
 * Typed error of the worker pool. `worker` is the worker's index and `task` / `taskIndex` name the task when the
 * failure belongs to one; a failure inside a worker keeps the worker's message and stack in `message`.
 */
export class WorkerPoolError extends Error {
  override readonly name = 'WorkerPoolError';
  readonly code: WorkerPoolErrorCode;
  readonly worker: number | undefined;
  readonly task: string | undefined;
  readonly taskIndex: number | undefined;

  constructor(
    code: WorkerPoolErrorCode,
    message: string,
    details: { worker?: number; task?: string; taskIndex?: number } = {},
  ) {
    super(message);
    this.code = code;
    this.worker = details.worker;
    this.task = details.task;
    this.taskIndex = details.taskIndex;
  }
}
