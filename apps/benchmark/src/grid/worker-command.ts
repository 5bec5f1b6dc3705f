/** The `worker` subcommand of cs-dfd-bench: trains grid cells taken from a BullMQ queue (see queue.ts). */
import { type ChildProcess, fork } from 'node:child_process';
import type { Command } from 'commander';
import { positiveInt } from '../cli-args.js';
import { GridError } from './errors.js';
import { type GridWorker, queueUrl, startWorker, WORKER_DEFAULTS } from './queue.js';

interface WorkerCliOptions {
  queue: string;
  concurrency: number;
  grid?: string;
  lockMs?: number;
  stalledMs?: number;
}

/**
 * Adds `worker` to the benchmark's CLI. `--concurrency N` runs N worker processes (this one and N-1 children),
 * one cell each: cells never share a process, so each has the tfjs backend to itself.
 */
export function addWorkerCommand(
  program: Command,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Command {
  return program
    .command('worker')
    .description('train grid cells from a BullMQ queue (cs-dfd-bench grid --queue URL enqueues them)')
    .requiredOption('--queue <url>', 'Redis of the grid: redis://HOST:PORT[/DB]', queueUrl)
    .option('--concurrency <n>', 'cells at once on this machine, each in its own process', positiveInt, 1)
    .option('--grid <dir>', 'the shared grid folder: refuse to start unless it can be written')
    .option(
      '--lock-ms <ms>',
      `BullMQ lockDuration: a cell whose worker stops renewing its lock this long is handed on (default ${WORKER_DEFAULTS.lockMs})`,
      positiveInt,
    )
    .option(
      '--stalled-ms <ms>',
      `BullMQ stalledInterval: how often this worker looks for such cells (default ${WORKER_DEFAULTS.stalledMs})`,
      positiveInt,
    )
    .addHelpText(
      'after',
      `
Every worker must see the grid folder at the path the coordinator used (a shared filesystem: NFS, SMB, ...).
Example (one Redis, k machines):
  machine A: cs-dfd-bench grid --out /shared/grid --queue redis://A:6379 --set train.steps=400
  each machine: cs-dfd-bench worker --queue redis://A:6379 --grid /shared/grid --concurrency 2`,
    )
    .action(async (opts: WorkerCliOptions) => {
      const children: ChildProcess[] = [];
      const childArgs = process.argv
        .slice(2)
        .filter(
          (_, i, a) =>
            a[i] !== '--concurrency' && a[i - 1] !== '--concurrency' && !a[i]!.startsWith('--concurrency='),
        );
      for (let i = 1; i < opts.concurrency; i++) {
        children.push(fork(process.argv[1]!, childArgs, { stdio: 'inherit' }));
      }
      let worker: GridWorker;
      try {
        worker = await startWorker({
          url: opts.queue,
          ...(opts.grid === undefined ? {} : { grid: opts.grid }),
          ...(opts.lockMs === undefined ? {} : { lockMs: opts.lockMs }),
          ...(opts.stalledMs === undefined ? {} : { stalledMs: opts.stalledMs }),
          log: write,
          onFatal: () => {
            process.exitCode = 2;
          },
        });
      } catch (e) {
        for (const c of children) c.kill('SIGTERM');
        if (e instanceof GridError) {
          write(`cs-dfd-bench worker: ${e.message}`);
          process.exitCode = 2;
          return;
        }
        throw e;
      }
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        for (const c of children) c.kill(signal);
        if (stopping) process.exit(130);
        stopping = true;
        write(`worker ${process.pid}: ${signal}: finishing the current cell (again to quit now)`);
        void worker.close();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
