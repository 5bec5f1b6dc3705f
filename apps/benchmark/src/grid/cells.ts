/**
 * One grid cell on disk: `cells/<method>/seed-<n>` is the trainer's output folder plus `cell.json`, the grid's
 * record of the config the cell was made with, which decides whether a later run keeps, resumes or refuses it.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@cs-dfd/plots';
import { diffConfigs, hashOf, identityConfig, type TrainConfig } from '@cs-dfd/training';
import { GridError } from './errors.js';
import { stepStats } from './log-stats.js';
import type { GridCell } from './types.js';

/** `cell.json`. */
export interface CellRecord {
  method: string;
  seed: number;
  /** {@link cellHash} of `config`. */
  configHash: string;
  /** The resolved trainer config of the cell. */
  config: TrainConfig;
}

/** The cell's folder relative to the grid folder. */
export const cellDir = (method: string, seed: number): string => join('cells', method, `seed-${seed}`);

/**
 * The hash that decides whether a finished cell still matches its config. `data.faceworld.cacheDir` is left out:
 * it says where the generated dataset is cached, not what it is (the cache folder is keyed by the generator
 * options), so grids that share or move a cache keep their cells. `diagnostics` is left out too: the large-batch
 * gradient diagnostics only observe (their own data stream; training is bitwise the same with them on or off).
 */
export function cellHash(config: TrainConfig): string {
  const identity = identityConfig(config) as TrainConfig;
  const { cacheDir: _where, ...faceworld } = identity.data.faceworld;
  const { diagnostics: _observesOnly, ...trained } = identity;
  return hashOf({ ...trained, data: { ...identity.data, faceworld } });
}

/** Keys that {@link cellHash} ignores, as dotted prefixes. */
const UNHASHED = ['data.faceworld.cacheDir', 'diagnostics'];

export const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

/** Reads `cell.json`, or null when the cell has none yet. */
export async function readCellRecord(dir: string): Promise<CellRecord | null> {
  const file = join(dir, 'cell.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as CellRecord;
  } catch (e) {
    throw new GridError(
      'bad-results',
      `${file} is not JSON (${(e as Error).message}); delete the cell folder`,
    );
  }
}

export const writeCellRecord = (dir: string, record: CellRecord): Promise<void> =>
  writeFileAtomic(join(dir, 'cell.json'), `${JSON.stringify(record, null, 2)}\n`);

/** Dotted keys whose values differ, as `key: old -> new` (for the config-changed error). */
export const configDiff = (before: unknown, after: unknown): string[] =>
  diffConfigs(identityConfig(before), identityConfig(after), UNHASHED);

/** A finished cell's row of results.json, from its report.json and log.jsonl. */
export async function readCell(gridDir: string, method: string, seed: number): Promise<GridCell> {
  const rel = cellDir(method, seed);
  const dir = join(gridDir, rel);
  const reportFile = join(dir, 'report.json');
  let report: { metrics?: Record<string, Record<string, unknown>>; seconds?: number };
  try {
    report = JSON.parse(await readFile(reportFile, 'utf8'));
  } catch (e) {
    throw new GridError(
      'bad-results',
      `${reportFile}: cannot read the trainer's report: ${(e as Error).message}`,
    );
  }
  if (report.metrics === undefined || typeof report.metrics !== 'object') {
    throw new GridError('bad-results', `${reportFile}: no metrics`, 'metrics');
  }
  const metrics: GridCell['metrics'] = {};
  for (const [split, ms] of Object.entries(report.metrics)) {
    metrics[split] = Object.fromEntries(
      Object.entries(ms).map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? v : null]),
    );
  }
  const logFile = join(dir, 'log.jsonl');
  const stats = stepStats(await readFile(logFile, 'utf8'), logFile);
  return {
    method,
    seed,
    metrics,
    step_ms: stats.step_ms,
    conflict_fraction: stats.conflict_fraction,
    dir: rel.split('\\').join('/'),
    seconds: typeof report.seconds === 'number' ? report.seconds : 0,
  };
}
