import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchLoader, type SampleRecord } from '../src/index.js';
import { openFileLimit, ReadLimiter, readSlotsFor } from '../src/read-limit.js';

// The layout of /proc/self/limits (man 5 proc), soft limit in the first number column.
const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('openFileLimit / readSlotsFor', () => {
  it('reads the soft limit from /proc/self/limits text', () => {
    expect(openFileLimit(LIMITS)).toBe(1024);
    expect(openFileLimit(LIMITS.replace('1024  ', 'unlimited'))).toBe(Number.POSITIVE_INFINITY);
    expect(openFileLimit('Max cpu time  unlimited unlimited seconds\n')).toBeUndefined();
    expect(openFileLimit('Max open files  -3  9  files\n')).toBeUndefined();
  });

  it('leaves three quarters of the descriptors to the rest of the process, within [4, 64]', () => {
    expect(readSlotsFor(1024)).toBe(64);
    expect(readSlotsFor(128)).toBe(32);
    expect(readSlotsFor(20)).toBe(5);
    expect(readSlotsFor(8)).toBe(4);
    expect(readSlotsFor(Number.POSITIVE_INFINITY)).toBe(64);
    expect(readSlotsFor(undefined)).toBe(16);
  });
});

describe('ReadLimiter', () => {
  it('refuses a slot count that is not a positive integer', () => {
    expect(() => new ReadLimiter(0)).toThrow(/slots must be an integer >= 1, got 0/);
    expect(() => new ReadLimiter(1.5)).toThrow(/got 1.5/);
  });

  it('never runs more than `slots` at once, runs every task, in arrival order, and frees slots on failure', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 3 }), fail: fc.boolean() }), { maxLength: 30 }),
        async (slots, tasks) => {
          const limiter = new ReadLimiter(slots);
          let running = 0;
          let most = 0;
          const started: number[] = [];
          const results = await Promise.allSettled(
            tasks.map((t, i) =>
              limiter.run(async () => {
                started.push(i);
                running++;
                most = Math.max(most, running);
                await new Promise((r) => setTimeout(r, t.delay));
                running--;
                if (t.fail) throw new Error(`task ${i}`);
                return i;
              }),
            ),
          );
          expect(most).toBeLessThanOrEqual(slots);
          expect(limiter.peak).toBe(most);
          expect(started).toEqual(tasks.map((_, i) => i));
          results.forEach((r, i) => {
            if (tasks[i]!.fail) expect(r).toEqual({ status: 'rejected', reason: new Error(`task ${i}`) });
            else expect(r).toEqual({ status: 'fulfilled', value: i });
          });
          // Every slot is free again: `slots` new tasks start without waiting.
          let immediate = 0;
          const again = Array.from({ length: slots }, () =>
            limiter.run(async () => {
              immediate++;
            }),
          );
          await Promise.resolve();
          await Promise.resolve();
          expect(immediate).toBe(slots);
          await Promise.all(again);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('BatchLoader prefetch errors', () => {
  it('a prefetched step that fails raises no unhandled rejection; the error surfaces when that step is asked for', async () => {
    const reals: SampleRecord[] = Array.from({ length: 4 }, (_, i) => ({
      image: `/nonexistent/cs-dfd-read-limit/real-${i}.png`,
      label: 0,
      kind: 'real',
      method: 'real',
      videoId: `t/real/v${i}`,
      frameIndex: 0,
      landmarks: undefined,
      split: 'train',
    }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const loader = new BatchLoader({
        records: reals,
        batchSize: 2,
        imageSize: 8,
        seed: 1,
        sources: [],
        prefetch: 3,
      });
      const first = loader.next();
      await expect(first).rejects.toThrow(/cannot read image \/nonexistent\/cs-dfd-read-limit\/real-\d\.png/);
      // Steps 1..3 were prefetched and have failed by now; give the event loop time to report them.
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      await expect(loader.next()).rejects.toThrow(/cannot read image/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
