/**
 * The run's `log.jsonl`: one JSON line per step, validation and diagnostics pass, written by a listener of the run's
 * events. The report and the benchmark grid read it back; a resume cuts it back to its checkpoint.
 */
import { appendFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { TrainListener } from './events.js';

/** Starts an empty log (a fresh run). */
export async function startLog(file: string): Promise<void> {
  await writeFile(file, '');
}

/** Keeps the lines of steps before `completed` and of validations and passes at or before it (a resume). */
export async function truncateLog(file: string, completed: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  // Lines written after the checkpoint belong to steps that will run again.
  const keep = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      const r = JSON.parse(l) as { type: string; step: number };
      return r.type === 'step' ? r.step < completed : r.step <= completed;
    });
  await writeFile(file, keep.map((l) => `${l}\n`).join(''));
}

/** Every record of a log, in order. */
export async function readLog(file: string): Promise<Record<string, unknown>[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The listener that appends `step`, `eval`, `diagnostics` and (at the end, if any) `skipped-samples` lines to `file`.
 * The append is synchronous: a line is a few hundred bytes into the page cache, while an asynchronous append
 * queues behind the loader's prefetched image decoding on libuv's thread pool and held every step for tens of
 * milliseconds (the report's `timing`, apps/trainer README).
 */
export function logWriter(file: string): TrainListener {
  const line = (o: object) => appendFileSync(file, `${JSON.stringify(o)}\n`);
  return (e) => {
    switch (e.type) {
      case 'step':
        return line({ type: 'step', ...e.record });
      case 'eval':
        return line({
          type: 'eval',
          split: e.split,
          step: e.step,
          auc: e.metrics.auc,
          ap: e.metrics.ap,
          eer: e.metrics.eer,
          acc: e.metrics.acc,
          video_auc: e.metrics.video_auc,
          best: e.best,
        });
      case 'diagnostics':
        return line(e.record);
      case 'run-end':
        // One line per run that skipped bad samples: the counts sit next to the steps they affected.
        return Object.keys(e.report.skippedSamples).length === 0
          ? undefined
          : line({ type: 'skipped-samples', step: e.report.steps, splits: e.report.skippedSamples });
      default:
        return undefined;
    }
  };
}
