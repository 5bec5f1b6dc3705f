/**
 * `grid --jobs N`: a {@link CellExecutor} that trains up to N cells at once on this machine, each in its own child
 * process (`cell-process.ts`, which runs the same {@link runCell} as every other executor), so each cell has the
 * tfjs backend and its threads to itself. A cell's result depends only on its config and seed, never on which
 * process or at what time it trains, so the grid's results equal those of `--jobs 1`.
 *
 * A failing cell stops the grid as with `--jobs 1`: no further cell starts, the cells already running finish (their
 * reports are kept), then the grid ends with a `cells-failed` error; rerunning the command retries the failed cell.
 * SIGINT/SIGTERM kill every child (a killed cell resumes from its checkpoint on the next run).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CellProcessMessage, CellProcessRequest } from './cell-process.js';
import type { CellExecutor, CellHooks, CellTask } from './executor.js';

/**
 * The built child script. Resolved through `dist/` from both `src/grid` and `dist/grid`, so tests running the
 * sources fork the build (Node 20 cannot run the TypeScript directly).
 */
export const CELL_PROCESS_SCRIPT = fileURLToPath(new URL('../../dist/grid/cell-process.js', import.meta.url));

/**
 * Cores one cell keeps busy: a cell trains on the main thread with single-threaded wasm kernels plus short bursts
 * of data work, so it uses about one core.
 */
export const CORES_PER_CELL = 1;

/** `--jobs auto`: one cell per {@link CORES_PER_CELL} cores of this machine (at least 1). */
export function autoJobs(cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / CORES_PER_CELL));
}

/**
 * `--jobs` when not given: two cells at once beat one on this project's 2-core machine (the README's Grid section
 * has the measurement and its command).
 */
export const DEFAULT_JOBS = 2;

/** Options of {@link processPoolExecutor}. */
export interface ProcessPoolOptions {
  /** Cells at once (>= 1). */
  jobs: number;
  /** Lines from the children (progress inside a cell), each prefixed with the cell's name. Default: stderr. */
  log?: (line: string) => void;
  /** Seconds between a cell's progress lines. Default 30. */
  progressEvery?: number;
  /** The child script. Default {@link CELL_PROCESS_SCRIPT}. */
  script?: string;
  /** Install SIGINT/SIGTERM handlers that kill the children (default true; the CLI's case). */
  handleSignals?: boolean;
}

function forwardLines(stream: NodeJS.ReadableStream | null, prefix: string, log: (l: string) => void) {
  if (stream === null) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.length > 0) log(`${prefix} ${l}`);
  });
  stream.on('end', () => {
    if (rest.length > 0) log(`${prefix} ${rest}`);
  });
}

/**
 * This process's node flags without `--conditions`: a parent run from the sources (vitest, `@cs-dfd/source`) must
 * not make the built child resolve workspace packages to their TypeScript.
 */
function builtExecArgv(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--conditions' || a[i] === '-C') i++;
    else if (!a[i]!.startsWith('--conditions=')) out.push(a[i]!);
  }
  return out;
}

/** Trains one task in a child process; resolves once its hooks ran (`finished` or `failed`). */
function runChild(
  task: CellTask,
  hooks: CellHooks,
  options: Required<Pick<ProcessPoolOptions, 'log' | 'progressEvery' | 'script'>>,
  children: Set<ChildProcess>,
): Promise<'ok' | 'failed'> {
  const prefix = `[${task.cell.method}/s${task.cell.seed}]`;
  return new Promise((resolve) => {
    const child = fork(options.script, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: builtExecArgv(),
    });
    children.add(child);
    forwardLines(child.stdout, prefix, options.log);
    forwardLines(child.stderr, prefix, options.log);
    let chain: Promise<unknown> = Promise.resolve();
    let outcome: CellProcessMessage | undefined;
    child.on('message', (m: CellProcessMessage) => {
      if (m.type === 'started') chain = chain.then(() => hooks.started(task, m.state));
      else outcome = m;
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      chain = chain.then(async () => {
        if (outcome?.type === 'finished') {
          await hooks.finished(task, outcome.action, outcome.seconds);
          resolve('ok');
          return;
        }
        const why =
          outcome?.type === 'failed'
            ? outcome.error
            : `its process ended with ${signal === null ? `exit code ${code}` : signal} before reporting`;
        await hooks.failed(task, why);
        resolve('failed');
      });
    });
    const request: CellProcessRequest = { task, progressEvery: options.progressEvery };
    child.send(request);
  });
}

/** A {@link CellExecutor} running up to `jobs` cells at once in child processes (see the module comment). */
export function processPoolExecutor(options: ProcessPoolOptions): CellExecutor {
  if (!Number.isInteger(options.jobs) || options.jobs < 1) {
    throw new RangeError(`processPoolExecutor: jobs must be a positive integer, got ${options.jobs}`);
  }
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const resolved = {
    log,
    progressEvery: options.progressEvery ?? 30,
    script: options.script ?? CELL_PROCESS_SCRIPT,
  };
  return {
    where: `in ${options.jobs} process${options.jobs === 1 ? '' : 'es'} at once on this machine`,
    async run(tasks, hooks) {
      const children = new Set<ChildProcess>();
      const stop = (signal: NodeJS.Signals) => {
        for (const c of children) c.kill('SIGTERM');
        log(`grid: ${signal}: stopped ${children.size} running cell(s); rerun to resume them`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      if (options.handleSignals !== false) {
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }
      let next = 0;
      let failed = false;
      const lane = async () => {
        while (!failed && next < tasks.length) {
          const task = tasks[next++]!;
          if ((await runChild(task, hooks, resolved, children)) === 'failed') failed = true;
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(options.jobs, tasks.length) }, lane));
      } finally {
        if (options.handleSignals !== false) {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
        for (const c of children) c.kill('SIGTERM');
      }
    },
  };
}
