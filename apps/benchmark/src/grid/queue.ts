/**
 * The grid on BullMQ (Redis): the coordinator's {@link queueExecutor} enqueues every cell as a job whose id is the
 * cell's config hash and follows the jobs; `cs-dfd-bench worker` processes ({@link startWorker}) train them with the
 * same {@link runCell} as the in-process grid, into the grid folder, which every worker must reach (a shared
 * filesystem path carried in the job). Lost workers lose nothing: a job whose worker stops renewing its lock is
 * moved back to the queue by BullMQ's stalled-job check and the next worker resumes the cell from its checkpoint.
 */
import { access, constants, mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Progress, TrainConfig } from '@cs-dfd/training';
import { Queue, QueueEvents, type RedisOptions, Worker } from 'bullmq';
import { InvalidArgumentError } from 'commander';
import { type CellAction, type CellRun, runCell } from './cell-runner.js';
import { exists } from './cells.js';
import { GridError } from './errors.js';
import type { CellExecutor, CellTask } from './executor.js';

/** The BullMQ queue every grid uses; one Redis database serves one grid at a time (pick another with /DB). */
export const QUEUE_NAME = 'cs-dfd-grid';

/**
 * Worker lock defaults. A live worker renews its cell's lock every lockDuration/2; a killed one stops, and the
 * next stalled check (every stalledInterval, run by any live worker) after the lock expired hands the cell on.
 * The lock is generous because a blocked event loop (a long synchronous evaluation) also stops the renewals, and
 * two workers on one cell folder would corrupt it; a lost cell is back in the queue within lock + interval (3 min).
 */
export const WORKER_DEFAULTS = { lockMs: 120_000, stalledMs: 60_000, maxStalled: 3 } as const;
/** Job retries: a cell that throws is tried this many times in all, with exponential backoff from backoffMs. */
export const JOB_DEFAULTS = { attempts: 3, backoffMs: 5_000 } as const;

/** The job's payload: everything a worker on another machine needs (paths must be the same there). */
export interface CellJobData {
  /** Absolute grid folder, shared by every worker. */
  grid: string;
  /** Absolute cell folder inside it. */
  dir: string;
  method: string;
  seed: number;
  configHash: string;
  config: TrainConfig;
  force: boolean;
}

/** `redis://[user:pass@]HOST:PORT[/DB]` -> BullMQ connection options; anything else is a `bad-option` error. */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GridError('bad-option', `--queue: expected redis://HOST:PORT[/DB], got "${url}"`, 'queue');
  }
  const db = u.pathname === '' || u.pathname === '/' ? 0 : Number(u.pathname.slice(1));
  const port = u.port === '' ? 6379 : Number(u.port);
  if (u.protocol !== 'redis:' || u.hostname === '' || !Number.isInteger(db) || db < 0 || !(port > 0)) {
    throw new GridError('bad-option', `--queue: expected redis://HOST:PORT[/DB], got "${url}"`, 'queue');
  }
  return {
    host: u.hostname,
    port,
    db,
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    // Workers block on Redis; BullMQ needs commands to wait through a Redis restart rather than fail.
    maxRetriesPerRequest: null,
  };
}

/** Commander parser of `--queue`: a bad URL is a usage error (exit 1) naming the value. */
export const queueUrl = (v: string): string => {
  try {
    redisOptions(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--queue: /, ''));
  }
  return v;
};

/**
 * Throws a `queue` {@link GridError} unless this process can create and delete a file in `dir` (the shared grid
 * folder), so a worker that does not see the share refuses instead of training into nowhere.
 */
export async function checkWritable(dir: string): Promise<void> {
  const probe = join(dir, `.write-check-${hostname()}-${process.pid}`);
  try {
    await access(dir, constants.W_OK);
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
  } catch (e) {
    throw new GridError(
      'queue',
      `cannot write to the grid folder ${dir} from ${hostname()} (${(e as Error).message}); every worker must see the grid folder at the same path (a shared filesystem)`,
      'grid',
    );
  }
}

/** Options of {@link queueExecutor}. */
export interface QueueExecutorOptions {
  /** `redis://HOST:PORT[/DB]`. */
  url: string;
  /** Attempts per cell before it is reported failed. Default {@link JOB_DEFAULTS}. */
  attempts?: number;
  backoffMs?: number;
  /** How often the coordinator re-reads every pending job besides reacting to events (ms). Default 2000. */
  pollMs?: number;
  /** Lines about the queue (Redis unreachable, a job re-added). */
  log?: (line: string) => void;
}

const jobOptions = (id: string, o: QueueExecutorOptions) => ({
  jobId: id,
  attempts: o.attempts ?? JOB_DEFAULTS.attempts,
  backoff: { type: 'exponential', delay: o.backoffMs ?? JOB_DEFAULTS.backoffMs },
  removeOnComplete: false,
  removeOnFail: false,
});

const jobData = (t: CellTask): CellJobData => ({
  grid: t.grid,
  dir: t.dir,
  method: t.cell.method,
  seed: t.cell.seed,
  configHash: t.cell.configHash,
  config: t.cell.config,
  force: t.force,
});

/**
 * The coordinator's side: enqueues the tasks (an existing job with the same id is re-used, so a second
 * coordinator, or a restarted one, attaches to the running grid), then follows them until each completed or failed
 * for good. Events wake it; a periodic re-read of every pending job makes it robust to missed events (Redis
 * restarts) and re-adds a job that vanished.
 */
export function queueExecutor(options: QueueExecutorOptions): CellExecutor {
  const connection = redisOptions(options.url);
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  return {
    where: `on the queue ${options.url} (start workers with: cs-dfd-bench worker --queue ${options.url})`,
    async run(tasks, hooks) {
      const queue = new Queue<CellJobData>(QUEUE_NAME, { connection });
      const events = new QueueEvents(QUEUE_NAME, { connection });
      let wake: () => void = () => {};
      for (const e of ['active', 'completed', 'failed', 'stalled', 'waiting'] as const) {
        events.on(e, () => wake());
      }
      let lastError = '';
      const quiet = (e: unknown) => {
        const m = (e as Error).message;
        if (m !== lastError) log(`grid: queue: ${m} (retrying)`);
        lastError = m;
      };
      queue.on('error', quiet);
      events.on('error', quiet);
      try {
        const pending = new Map(tasks.map((t) => [t.cell.configHash, t]));
        const started = new Set<string>();
        const enqueue = async (t: CellTask) => {
          await queue.add(
            `${t.cell.method}/seed-${t.cell.seed}`,
            jobData(t),
            jobOptions(t.cell.configHash, options),
          );
        };
        // Attach to jobs from an earlier run of this grid; replace those that belong to another grid folder or
        // describe a cell that is no longer finished on disk (deleted, or retrained with --force).
        for (const t of tasks) {
          const job = await queue.getJob(t.cell.configHash);
          if (job !== undefined) {
            const state = await job.getState();
            const data = job.data as CellJobData;
            const mine = data.grid === t.grid && data.dir === t.dir;
            const stale =
              state === 'failed' || (state === 'completed' && !(await exists(join(t.dir, 'report.json'))));
            if (!mine && state !== 'completed' && state !== 'failed') {
              throw new GridError(
                'queue',
                `cell ${t.cell.method}/seed-${t.cell.seed} is ${state} on ${options.url} for another grid folder (${data.grid}); one Redis database serves one grid at a time: wait for it, or use another database (redis://HOST:PORT/DB)`,
                'queue',
              );
            }
            if (mine && !stale) continue;
            await job.remove();
          }
          await enqueue(t);
        }
        const reconcile = async () => {
          for (const [id, t] of [...pending]) {
            const job = await queue.getJob(id);
            if (job === undefined) {
              log(`grid: job of ${t.cell.method}/seed-${t.cell.seed} vanished from Redis; adding it again`);
              await enqueue(t);
              continue;
            }
            const state = await job.getState();
            if (state === 'active' && !started.has(id)) {
              started.add(id);
              await hooks.started(t);
            } else if (state === 'completed') {
              if (!started.has(id)) await hooks.started(t);
              pending.delete(id);
              const r = job.returnvalue as CellRun | null;
              await hooks.finished(t, (r?.action ?? 'trained') as CellAction, r?.seconds ?? 0);
            } else if (state === 'failed') {
              if (!started.has(id)) await hooks.started(t);
              pending.delete(id);
              await hooks.failed(
                t,
                `${job.failedReason ?? 'unknown error'} (after ${job.attemptsMade} attempts)`,
              );
            }
          }
        };
        while (pending.size > 0) {
          try {
            await reconcile();
            lastError = '';
          } catch (e) {
            if (e instanceof GridError) throw e;
            quiet(e);
          }
          if (pending.size === 0) break;
          await new Promise<void>((res) => {
            const timer = setTimeout(res, options.pollMs ?? 2000);
            wake = () => {
              clearTimeout(timer);
              res();
            };
          });
        }
      } finally {
        await events.close();
        await queue.close();
      }
    },
  };
}

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  url: string;
  /** When given: the grid folder, checked for write access before taking any job. */
  grid?: string;
  /** BullMQ lock and stalled-check timing (ms); see {@link WORKER_DEFAULTS}. */
  lockMs?: number;
  stalledMs?: number;
  /** The trainer's progress inside each cell. Default: silent. */
  progress?: Progress;
  log?: (line: string) => void;
  /** Called when the worker stops by itself (it cannot write a job's grid folder). */
  onFatal?: (error: GridError) => void;
}

/** A running worker. */
export interface GridWorker {
  /** Waits for the current cell to end, then disconnects. */
  close(): Promise<void>;
}

/**
 * Takes cells from the queue one at a time and trains them with {@link runCell}. Before each cell it checks it can
 * write the job's grid folder; when it cannot, the job fails this attempt (another worker retries it) and the
 * worker stops, calling `onFatal`.
 */
export async function startWorker(options: WorkerOptions): Promise<GridWorker> {
  const connection = redisOptions(options.url);
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (options.grid !== undefined) {
    // Not recursive: Node's recursive mkdir never returns on some paths (under /proc); a missing parent is an error below.
    await mkdir(resolve(options.grid)).catch(() => {});
    await checkWritable(resolve(options.grid));
  }
  const me = `worker ${hostname()}:${process.pid}`;
  let worker: Worker<CellJobData, CellRun> | undefined;
  worker = new Worker<CellJobData, CellRun>(
    QUEUE_NAME,
    async (job) => {
      const d = job.data;
      const name = `${d.method}/seed-${d.seed}`;
      try {
        await checkWritable(d.grid);
      } catch (e) {
        log(`${me}: ${(e as Error).message}; stopping`);
        options.onFatal?.(e as GridError);
        void worker?.close();
        throw e;
      }
      const run = await runCell(
        d.dir,
        { method: d.method, seed: d.seed, config: d.config, configHash: d.configHash },
        {
          force: d.force,
          ...(options.progress === undefined ? {} : { progress: options.progress }),
          log: (l) => log(`${me}: ${l}`),
          onStart: (state) =>
            log(
              `${me}: cell ${name} ${state === 'resume' ? 'resuming from its checkpoint' : state === 'fresh' ? 'training' : 'already finished'} (attempt ${job.attemptsMade + 1})`,
            ),
        },
      );
      log(`${me}: cell ${name} ${run.action} in ${run.seconds.toFixed(1)} s`);
      return run;
    },
    {
      connection,
      concurrency: 1,
      lockDuration: options.lockMs ?? WORKER_DEFAULTS.lockMs,
      stalledInterval: options.stalledMs ?? WORKER_DEFAULTS.stalledMs,
      maxStalledCount: WORKER_DEFAULTS.maxStalled,
    },
  );
  let lastError = '';
  worker.on('error', (e) => {
    if (e.message !== lastError) log(`${me}: queue: ${e.message} (retrying)`);
    lastError = e.message;
  });
  log(`${me}: waiting for cells on ${options.url}`);
  return { close: () => worker.close() };
}
