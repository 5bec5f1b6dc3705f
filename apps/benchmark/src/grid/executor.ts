/**
 * The seam between the grid (plan, outputs, progress) and where its cells train. Today: one after another in this
 * process ({@link inProcessExecutor}) or on BullMQ workers (`queueExecutor`); a local process pool (`grid --jobs
 * N`) is another implementation of the same interface.
 */
import type { Progress } from '@cs-dfd/training';
import { type CellAction, type CellState, runCell } from './cell-runner.js';
import type { PlannedCell } from './run.js';

/** A cell the grid wants trained. */
export interface CellTask {
  /** 0-based position in the grid's plan. */
  index: number;
  cell: PlannedCell;
  /** Absolute grid folder. */
  grid: string;
  /** Absolute cell folder (inside `grid`). */
  dir: string;
  /** Retrain a cell whose folder holds another config. */
  force: boolean;
}

/** How an executor reports back; the grid writes its files from these. Each hook is awaited before the next. */
export interface CellHooks {
  /** The cell began on some worker (`state` when the executor knows it: resuming or fresh). */
  started(task: CellTask, state?: CellState): void | Promise<void>;
  /** The cell's folder holds its finished report. */
  finished(task: CellTask, action: CellAction, seconds: number): void | Promise<void>;
  /** The cell failed for good (after the executor's retries); `error` says why. */
  failed(task: CellTask, error: string): void | Promise<void>;
}

/** Trains the cells of a grid somewhere. */
export interface CellExecutor {
  /** Words for the grid's log, e.g. "in this process" or "on the queue redis://host:6379". */
  readonly where: string;
  /** Resolves once every task finished or failed. */
  run(tasks: readonly CellTask[], hooks: CellHooks): Promise<void>;
}

/**
 * The default: cells one after another in this process, each with `progress` (labelled with the cell's name). A
 * failing cell throws out of the grid (as before), so the error and its stack reach the user at once.
 */
export function inProcessExecutor(
  options: { progress?: Progress; log?: (line: string) => void } = {},
): CellExecutor {
  return {
    where: 'in this process',
    async run(tasks, hooks) {
      for (const task of tasks) {
        const { cell } = task;
        let began: Promise<void> = Promise.resolve();
        const run = await runCell(task.dir, cell, {
          force: task.force,
          ...(options.progress === undefined
            ? {}
            : { progress: prefixed(options.progress, `${cell.method}/s${cell.seed}`) }),
          ...(options.log === undefined ? {} : { log: options.log }),
          onStart: (state) => {
            began = Promise.resolve(hooks.started(task, state));
          },
        });
        await began;
        await hooks.finished(task, run.action, run.seconds);
      }
    },
  };
}

/** The trainer's progress with every label and line prefixed by the cell's name. */
export function prefixed(inner: Progress, prefix: string): Progress {
  return {
    start: (label, total, done) => inner.start(`${prefix} ${label}`, total, done),
    update: (done, status) => inner.update(done, status),
    stop: () => inner.stop(),
    log: (line) => inner.log(`${prefix} ${line}`),
  };
}
