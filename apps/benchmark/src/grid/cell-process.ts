/**
 * The child side of {@link processPoolExecutor}: a process forked with an IPC channel that receives one
 * {@link CellTask}, trains it with {@link runCell} (the code every executor runs) and reports back. Progress inside
 * the cell goes to this process's stderr as plain lines; the parent prefixes them with the cell's name.
 */
import { lineProgress } from '@cs-dfd/training/progress';
import { runCell } from './cell-runner.js';
import type { CellTask } from './executor.js';

/** Parent -> child: the one task of this process. */
export interface CellProcessRequest {
  task: CellTask;
  /** Seconds between progress lines inside the cell. */
  progressEvery: number;
}

/** Child -> parent. */
export type CellProcessMessage =
  | { type: 'started'; state: 'done' | 'resume' | 'fresh' }
  | { type: 'finished'; action: 'kept' | 'trained' | 'resumed'; seconds: number }
  | { type: 'failed'; error: string };

function send(message: CellProcessMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

async function main(request: CellProcessRequest): Promise<void> {
  const { task } = request;
  try {
    const run = await runCell(task.dir, task.cell, {
      force: task.force,
      progress: lineProgress(undefined, request.progressEvery),
      log: (line) => process.stderr.write(`${line}\n`),
      onStart: (state) => void send({ type: 'started', state }),
    });
    await send({ type: 'finished', action: run.action, seconds: run.seconds });
  } catch (e) {
    if (e instanceof Error && e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
    await send({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
  }
  finished = true;
  process.disconnect?.();
}

if (process.send === undefined) {
  process.stderr.write('cell-process: run by the grid (--jobs), not directly\n');
  process.exitCode = 2;
} else {
  // The parent gone (killed, even with SIGKILL) closes the channel: stop rather than train for nobody.
  process.on('disconnect', () => {
    if (!finished) process.exit(1);
  });
  process.once('message', (m: CellProcessRequest) => {
    void main(m);
  });
}
let finished = false;
