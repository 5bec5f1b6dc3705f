/**
 * One grid cell trained into its folder: the code every executor runs (in-process grid, queue worker). It decides
 * from the folder itself whether the cell is done, resumes from its checkpoint or starts fresh, so a cell handed to
 * another process after a crash continues where the last one stopped (the trainer's bitwise resume).
 * The only module of the grid that calls the trainer's `train()`.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CheckpointError,
  ConfigError,
  type Progress,
  progressListener,
  silentProgress,
  train,
} from '@cs-dfd/training';
import { type CellRecord, configDiff, exists, readCellRecord, writeCellRecord } from './cells.js';
import { GridError } from './errors.js';
import type { PlannedCell } from './run.js';

/** What the runner did with a cell. */
export type CellAction = 'kept' | 'trained' | 'resumed';

/** How a cell folder stands before a run touches it. */
export type CellState = 'done' | 'resume' | 'fresh';

/**
 * How the cell folder `dir` stands for `cell`: finished, resumable from a checkpoint, or to train from scratch.
 * A folder made with another config is a {@link GridError} (`config-changed`) unless `force`.
 */
export async function cellState(dir: string, cell: PlannedCell, force: boolean): Promise<CellState> {
  const record = await readCellRecord(dir);
  const hasReport = await exists(join(dir, 'report.json'));
  const name = `${cell.method}/seed-${cell.seed}`;
  if (record === null) {
    if (hasReport && !force) {
      throw new GridError(
        'config-changed',
        `cell ${name} (${dir}) holds a report.json but no cell.json, so its config is unknown; rerun with --force to retrain it`,
        name,
      );
    }
    return 'fresh';
  }
  if (record.configHash !== cell.configHash) {
    if (force) return 'fresh';
    const diff = configDiff(record.config, cell.config);
    throw new GridError(
      'config-changed',
      `cell ${name} (${dir}) was made with another config (${diff.slice(0, 6).join('; ')}${diff.length > 6 ? '; ...' : ''}); rerun with --force to retrain it, or use another --out`,
      name,
    );
  }
  if (hasReport) return 'done';
  // `checkpoint/`, or `checkpoint.old-*` left by a kill between the trainer's two renames; the trainer decides
  // whether it is usable.
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => n === 'checkpoint' || n.startsWith('checkpoint.old-')) ? 'resume' : 'fresh';
}

/** Options of {@link runCell}. */
export interface RunCellOptions {
  /** Retrain a cell whose folder holds another config. */
  force?: boolean;
  /** The trainer's progress inside the cell. Default: silent. */
  progress?: Progress;
  /** Called once the folder's state is known, before any training ('done' trains nothing). */
  onStart?: (state: CellState) => void;
  /** Lines about the cell (a checkpoint that cannot be resumed). */
  log?: (line: string) => void;
}

/** What {@link runCell} did. */
export interface CellRun {
  action: CellAction;
  /** Wall seconds spent (0 when kept). */
  seconds: number;
}

/**
 * Trains `cell` into `dir` (the cell's folder): keeps a finished one, resumes a half-finished one from its
 * checkpoint (restarting it when the checkpoint is unusable), trains a fresh one after writing `cell.json`.
 */
export async function runCell(
  dir: string,
  cell: PlannedCell,
  options: RunCellOptions = {},
): Promise<CellRun> {
  const t0 = performance.now();
  const state = await cellState(dir, cell, options.force === true);
  options.onStart?.(state);
  if (state === 'done') return { action: 'kept', seconds: 0 };
  const progress = options.progress ?? silentProgress;
  let action: CellAction = state === 'resume' ? 'resumed' : 'trained';
  if (state === 'resume') {
    try {
      await train({ config: cell.config, out: dir, resume: true, onEvent: progressListener(progress) });
    } catch (e) {
      // A corrupt or outdated checkpoint, or one whose resume hash differs (the trainer's hash also covers
      // the cache folder, which the grid's does not): start the cell again.
      if (!(e instanceof CheckpointError || e instanceof ConfigError)) throw e;
      options.log?.(
        `cell ${cell.method}/seed-${cell.seed}: cannot resume (${e.message}); restarting the cell`,
      );
      action = 'trained';
    }
  }
  if (action === 'trained') {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const record: CellRecord = {
      method: cell.method,
      seed: cell.seed,
      configHash: cell.configHash,
      config: cell.config,
    };
    await writeCellRecord(dir, record);
    await train({ config: cell.config, out: dir, onEvent: progressListener(progress) });
  }
  return { action, seconds: (performance.now() - t0) / 1000 };
}
