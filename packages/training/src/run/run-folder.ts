/**
 * One run per output folder. A run holds `<out>/.run.lock` for its whole life: a second trainer on the same folder
 * is refused instead of interleaving its log and checkpoints with the first. A lock left by a process that died
 * (SIGKILL, power loss) is detected by PID on the same host and taken over with a message; a lock of another host is
 * never guessed at (the folder may be on a shared file system): it is reported with the command that removes it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { diffConfigs, type TrainConfig } from '../config.js';
import { exists } from '../fs-utils.js';

/** The lock file's name inside the run folder. */
export const LOCK_FILE = '.run.lock';

/** A run folder that is in use, or holds another run, or a lock that cannot be taken. */
export class RunFolderError extends Error {
  override readonly name = 'RunFolderError';
}

/** What a lock file records. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** Random per acquisition: tells our lock from one written by another process with a recycled PID. */
  token: string;
}

/** True when a process with this PID runs on this host (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held lock; {@link RunLock.release} is idempotent and also runs on process exit. */
export interface RunLock {
  readonly file: string;
  readonly info: LockInfo;
  /** Set when a stale lock of a dead process was taken over: a line for the user. */
  readonly tookOver: string | undefined;
  release(): Promise<void>;
}

async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

async function createExclusive(file: string, info: LockInfo): Promise<boolean> {
  try {
    const h = await open(file, 'wx');
    try {
      await h.writeFile(`${JSON.stringify(info)}\n`);
      await h.sync();
    } finally {
      await h.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RunFolderError(`cannot create the run lock ${file}: ${(e as Error).message}`);
  }
}

/**
 * Takes `<dir>/.run.lock` (creating `dir`). Refuses with a {@link RunFolderError} naming the holder when a live
 * process on this host, or any process on another host, holds it; takes over the lock of a dead local process.
 */
export async function acquireRunLock(
  dir: string,
  options: { isAlive?: (pid: number) => boolean } = {},
): Promise<RunLock> {
  const alive = options.isAlive ?? processAlive;
  await mkdir(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  let tookOver: string | undefined;
  for (let attempt = 0; ; attempt++) {
    if (await createExclusive(file, info)) break;
    const holder = await readLock(file);
    if (holder === undefined) {
      // Being written right now, or garbage left by a crash mid-write: wait for the writer once, then treat as stale.
      if (attempt === 0) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
    } else if (holder.host !== info.host) {
      throw new RunFolderError(
        `run folder ${dir} is in use by pid ${holder.pid} on host ${holder.host} (since ${holder.startedAt}); if that run is gone, remove ${file}`,
      );
    } else if (alive(holder.pid) && holder.pid !== process.pid) {
      throw new RunFolderError(
        `run folder ${dir} is in use by pid ${holder.pid} on this host (since ${holder.startedAt}); wait for it, or use another --out`,
      );
    }
    if (attempt > 3)
      throw new RunFolderError(`cannot take the run lock ${file}: other processes keep taking it`);
    // Stale: move it aside (one process wins the rename), then compete for a fresh exclusive create.
    const aside = `${file}.stale-${info.token}`;
    try {
      await rename(file, aside);
      const moved = await readLock(aside);
      if (holder !== undefined && moved?.token !== holder.token) {
        // Another process replaced the stale lock between our read and our rename: put its lock back.
        await link(aside, file).catch(() => {});
        await rm(aside, { force: true });
        continue;
      }
      await rm(aside, { force: true });
      tookOver =
        holder === undefined
          ? `took over an unreadable run lock in ${dir}`
          : `took over the run lock of pid ${holder.pid} (started ${holder.startedAt}), which is no longer running`;
    } catch {
      /* another process moved it first; try again */
    }
  }
  let released = false;
  const onExit = () => {
    // Synchronous: 'exit' handlers cannot wait. Only our own lock is removed.
    try {
      const now = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
      if (now.token === info.token) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
  process.once('exit', onExit);
  return {
    file,
    info,
    tookOver,
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const now = await readLock(file);
      if (now?.token === info.token) await rm(file, { force: true });
    },
  };
}

/** Files and folders that mark a folder as holding a run. */
const RUN_MARKERS = ['log.jsonl', 'checkpoint', 'best', 'report.json'];

/** The run markers present in `dir` (empty: a fresh or empty folder). */
export async function runMarkers(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const m of RUN_MARKERS) if (await exists(join(dir, m))) found.push(m);
  return found;
}

/**
 * Leftovers of a crash between a checkpoint's renames: `checkpoint.tmp-*` (an unfinished write) are removed;
 * `checkpoint.old-*` is the previous complete checkpoint, promoted to `checkpoint/` when that is missing and removed
 * otherwise. Call with the run lock held. Returns what it did, one line per entry.
 */
export async function cleanCheckpointLeftovers(dir: string): Promise<string[]> {
  const done: string[] = [];
  const entries = await readdir(dir).catch(() => [] as string[]);
  const final = join(dir, 'checkpoint');
  for (const name of entries.filter((n) => n.startsWith('checkpoint.tmp-'))) {
    await rm(join(dir, name), { recursive: true, force: true });
    done.push(`removed the unfinished checkpoint ${name}`);
  }
  for (const name of entries.filter((n) => n.startsWith('checkpoint.old-'))) {
    const complete = await exists(join(dir, name, 'manifest.json'));
    if (complete && !(await exists(join(final, 'manifest.json')))) {
      await rm(final, { recursive: true, force: true });
      await rename(join(dir, name), final);
      done.push(`restored checkpoint/ from ${name} (a crash between its renames)`);
    } else {
      await rm(join(dir, name), { recursive: true, force: true });
      done.push(`removed the superseded checkpoint ${name}`);
    }
  }
  return done;
}

/**
 * The config keys in which `config` differs from the run in `dir` (its `config.json`); `null` when the folder
 * holds a run without a readable config.json (then it cannot be told to be the same run).
 */
async function differingKeys(dir: string, config: TrainConfig): Promise<string[] | null> {
  let before: unknown;
  try {
    before = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  } catch {
    return null;
  }
  // config.json holds train.steps as resolved from train.epochs; the epochs themselves are compared.
  return diffConfigs(before, config, config.train.epochs === undefined ? [] : ['train.steps']);
}

/**
 * Before a run writes into `dir`: take the lock; a fresh run (no `resume`) into a folder that holds another run —
 * one with a different or unreadable config — is refused unless `force`; a folder holding a run of the same config
 * (e.g. the README's command run twice) is simply replaced. Whatever is replaced is cleared first, so no mix of two
 * runs remains. Then checkpoint leftovers are cleaned. Returns the lock and the lines to tell the user.
 */
export async function prepareRunFolder(
  dir: string,
  options: { config: TrainConfig; resume: boolean; force?: boolean; isAlive?: (pid: number) => boolean },
): Promise<{ lock: RunLock; notes: string[] }> {
  const lock = await acquireRunLock(dir, options.isAlive ? { isAlive: options.isAlive } : {});
  try {
    const notes = lock.tookOver ? [lock.tookOver] : [];
    if (!options.resume) {
      const markers = await runMarkers(dir);
      if (markers.length > 0) {
        const diff = await differingKeys(dir, options.config);
        const same = diff !== null && diff.length === 0;
        if (!same && options.force !== true) {
          const what =
            diff === null ? 'without a readable config.json' : `of another config (${diff.join('; ')})`;
          throw new RunFolderError(
            `run folder ${dir} already holds a run ${what}: continue it with --resume, choose another --out, or pass --force to replace it`,
          );
        }
        for (const name of await readdir(dir)) {
          if (name !== LOCK_FILE) await rm(join(dir, name), { recursive: true, force: true });
        }
        notes.push(
          same
            ? `replaced the earlier run of the same config in ${dir}`
            : `--force: removed the previous run in ${dir} (${markers.join(', ')})`,
        );
      }
    }
    notes.push(...(await cleanCheckpointLeftovers(dir)));
    return { lock, notes };
  } catch (e) {
    await lock.release();
    throw e;
  }
}
