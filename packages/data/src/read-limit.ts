/**
 * Bounded concurrency for file reads. A batch loader prefetching several steps of a large batch would otherwise open
 * hundreds of files at once and hit the process's file-descriptor limit (EMFILE), which then looks like a bad file.
 * Every image and landmark read of this package goes through one process-wide limiter sized from that limit.
 */
import { readFileSync } from 'node:fs';

/** Soft `RLIMIT_NOFILE` of this process (Linux: /proc/self/limits); `undefined` where it cannot be read. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined) return undefined;
  if (soft === 'unlimited') return Number.POSITIVE_INFINITY;
  const n = Number(soft);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Concurrent reads allowed under a descriptor limit: a quarter of it (the rest stays for sockets, worker
 * threads, libvips and the caller), at least 4, at most 64 (more gains nothing on a local disk).
 */
export function readSlotsFor(limit: number | undefined): number {
  if (limit === undefined) return 16;
  return Math.max(4, Math.min(64, Math.floor(limit / 4)));
}

/** A counting semaphore: at most `slots` callbacks of {@link ReadLimiter.run} run at once, FIFO. */
export class ReadLimiter {
  private active = 0;
  private peakActive = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1)
      throw new RangeError(`ReadLimiter: slots must be an integer >= 1, got ${slots}`);
  }

  /** Most callbacks ever running at once (for tests and diagnostics). */
  get peak(): number {
    return this.peakActive;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    this.peakActive = Math.max(this.peakActive, this.active);
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays counted.
      if (next) next();
      else this.active--;
    }
  }
}

/** The limiter every file read of `@cs-dfd/data` shares. */
export const fileReads: ReadLimiter = new ReadLimiter(readSlotsFor(openFileLimit()));
