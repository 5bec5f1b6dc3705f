/**
 * The grid runner (DESIGN §14): every (method, seed) cell trained by the trainer's own `train()`, one after the
 * other in this process, into `DIR/cells/<method>/seed-<n>`. Resumable: a finished cell whose config is unchanged
 * is kept, a half-finished one continues from its checkpoint, a changed one is an error (or, with `force`, is
 * retrained). `results.json` and the tables are rewritten after every cell, so an interrupted grid keeps its
 * finished cells.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, type as osType, release } from 'node:os';
import { join, resolve } from 'node:path';
import {
  applyOverrides,
  CheckpointError,
  ConfigError,
  checkConfig,
  type Progress,
  progressListener,
  resolveConfig,
  silentProgress,
  type TrainConfig,
  train,
} from '@cs-dfd/training';
import {
  type CellRecord,
  cellDir,
  cellHash,
  configDiff,
  exists,
  readCell,
  readCellRecord,
  writeCellRecord,
} from './cells.js';
import { GridError } from './errors.js';
import { type GridMethodSpec, resolveMethods } from './methods.js';
import { writeGridFiles } from './outputs.js';
import { type GridProtocol, protocolConfig, protocolName } from './protocol.js';
import { writeGridReport } from './report/index.js';
import { GRID_METHODS, type GridCell, type GridResults, type GridSummary } from './types.js';
import type { Variant } from './variants.js';

/** What the runner did with a cell. */
export type CellAction = 'kept' | 'trained' | 'resumed';

/** Reported once per cell: the cells kept from earlier runs first (plan order), then each trained cell as it ends. */
export interface CellEvent {
  method: string;
  seed: number;
  /** Absolute cell folder. */
  dir: string;
  action: CellAction;
  /** Wall seconds this run spent on the cell (0 when kept). */
  seconds: number;
}

/** Options of {@link runGrid}. */
export interface RunGridOptions {
  /** Grid folder (results.json, tables, `cells/`). */
  out: string;
  /**
   * Rows: grid methods, variant names, or any trainer method with optional `+cgr`. Default: every
   * {@link GRID_METHODS} entry, or every variant when variants are given.
   */
  methods?: readonly string[];
  /** Seeds 0..seeds-1 (the trainer's `seed`). Default 3. */
  seeds?: number;
  /** Default `{ kind: 'faceworld' }`. */
  protocol?: GridProtocol;
  /** `key=value` trainer overrides for every cell (`applyOverrides` syntax), e.g. `train.steps=100`. */
  sets?: readonly string[];
  variants?: readonly Variant[];
  /** faceworld cache shared by grids. Default `<out>/../cache`. */
  cacheDir?: string;
  /** Retrain cells whose config changed instead of refusing. */
  force?: boolean;
  /** The command line recorded in results.json. */
  command?: string;
  /** The trainer's progress sink for the steps inside a cell (labels get the cell's name). Default: silent. */
  progress?: Progress;
  /** Grid-level lines (cell start/end with ETA). Default: stderr. */
  log?: (line: string) => void;
  /** Called when a cell is done. */
  onCell?: (event: CellEvent) => void;
}

/** What {@link runGrid} returns (also on disk as results.json and summary.json). */
export interface RunGridResult {
  results: GridResults;
  summary: GridSummary;
  events: CellEvent[];
}

/** One planned cell: its row, seed, resolved config and hash. */
export interface PlannedCell {
  method: string;
  seed: number;
  config: TrainConfig;
  configHash: string;
}

/** The resolved plan of a grid: shared overrides and every cell's config, validated before any training. */
export interface GridPlan {
  methods: GridMethodSpec[];
  seeds: number[];
  overrides: Record<string, unknown>;
  /** Seed-major: every method with seed 0 first, so an interrupted grid has comparable rows early. */
  cells: PlannedCell[];
}

/**
 * Resolves methods, protocol and overrides into every cell's trainer config and validates them all (trainer
 * schema, method options, detector) before any cell trains; a problem is a {@link GridError} naming the cell.
 */
export async function planGrid(options: RunGridOptions): Promise<GridPlan> {
  const seedCount = options.seeds ?? 3;
  if (!Number.isInteger(seedCount) || seedCount < 1) {
    throw new GridError('bad-option', `--seeds: expected a positive integer, got ${seedCount}`, 'seeds');
  }
  const variants = options.variants ?? [];
  const names = options.methods ?? (variants.length > 0 ? variants.map((v) => v.name) : [...GRID_METHODS]);
  const methods = resolveMethods(names, variants);
  const cacheDir = options.cacheDir ?? join(resolve(options.out), '..', 'cache');
  const base = await protocolConfig(options.protocol ?? { kind: 'faceworld' }, cacheDir);
  let overrides: Record<string, unknown>;
  try {
    overrides = applyOverrides(base, options.sets ?? []);
  } catch (e) {
    throw new GridError('bad-option', `--set: ${(e as Error).message}`, (e as ConfigError).key ?? 'set');
  }
  const seeds = Array.from({ length: seedCount }, (_, i) => i);
  const cells: PlannedCell[] = [];
  for (const seed of seeds) {
    for (const m of methods) {
      const name = `cell ${m.name}/seed-${seed}`;
      let config: TrainConfig;
      try {
        config = resolveConfig(applyOverrides(overrides, [...m.sets, `seed=${seed}`]), name);
        checkConfig(config);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const origin = m.base === m.name ? '' : ` (variant ${m.name} of ${m.base})`;
        throw new GridError('bad-config', `${e.message}${origin}`, e.key);
      }
      cells.push({ method: m.name, seed, config, configHash: cellHash(config) });
    }
  }
  return { methods, seeds, overrides, cells };
}

/** One line naming the machine (CPU, cores, OS, node, the cells' tfjs backends); no load, so reruns match. */
export function gridMachine(backends: readonly string[]): string {
  const c = cpus();
  const b = backends.length === 0 ? 'unknown' : [...new Set(backends)].join('+');
  return `${c[0]?.model.trim() ?? 'unknown cpu'} x${c.length}, ${osType()} ${release()}, node ${process.version}, backend ${b}`;
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(sec).padStart(2, '0')}s`
      : `${sec}s`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The trainer's progress with every label and line prefixed by the cell's name. */
function prefixed(inner: Progress, prefix: string): Progress {
  return {
    start: (label, total, done) => inner.start(`${prefix} ${label}`, total, done),
    update: (done, status) => inner.update(done, status),
    stop: () => inner.stop(),
    log: (line) => inner.log(`${prefix} ${line}`),
  };
}

/** How a cell folder stands before this run touches it. */
async function cellState(
  dir: string,
  cell: PlannedCell,
  force: boolean,
): Promise<'done' | 'resume' | 'fresh'> {
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

function gridResults(
  options: RunGridOptions,
  plan: GridPlan,
  cells: readonly GridCell[],
  backends: readonly string[],
): GridResults {
  const order = plan.methods.map((m) => m.name);
  const sorted = [...cells].sort(
    (a, b) => order.indexOf(a.method) - order.indexOf(b.method) || a.seed - b.seed,
  );
  const splits: string[] = [];
  for (const c of sorted) for (const s of Object.keys(c.metrics)) if (!splits.includes(s)) splits.push(s);
  return {
    protocol: protocolName(options.protocol ?? { kind: 'faceworld' }),
    machine: gridMachine(backends),
    command: options.command ?? 'runGrid()',
    overrides: plan.overrides,
    methods: order,
    seeds: plan.seeds,
    splits,
    cells: sorted,
  };
}

async function reportBackend(dir: string): Promise<string> {
  try {
    return (
      (JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { backend?: string }).backend ??
      'unknown'
    );
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the grid (see the module comment and the README's Grid section) and returns its results and summary, which
 * are also written to `out/`.
 */
export async function runGrid(options: RunGridOptions): Promise<RunGridResult> {
  const out = resolve(options.out);
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const inner = options.progress ?? silentProgress;
  const plan = await planGrid(options);
  await mkdir(out, { recursive: true });

  // Decide every cell's fate first, so a changed config fails before hours of training rather than after.
  const states = [];
  for (const cell of plan.cells) {
    const dir = join(out, cellDir(cell.method, cell.seed));
    states.push({ cell, dir, state: await cellState(dir, cell, options.force === true) });
  }
  const toTrain = states.filter((s) => s.state !== 'done').length;
  const total = states.length;
  const done: GridCell[] = [];
  const backends: string[] = [];
  const events: CellEvent[] = [];
  let trainedSeconds = 0;
  let trainedCells = 0;
  let summary: GridSummary | undefined;
  log(
    `grid: ${plural(plan.methods.length, 'method')} x ${plural(plan.seeds.length, 'seed')} = ${plural(total, 'cell')} in ${out}; ${total - toTrain} finished earlier, ${toTrain} to train`,
  );
  const finish = async (cell: PlannedCell, dir: string, action: CellAction, seconds: number) => {
    const row = await readCell(out, cell.method, cell.seed);
    done.push(row);
    backends.push(await reportBackend(dir));
    const event: CellEvent = { method: cell.method, seed: cell.seed, dir, action, seconds };
    events.push(event);
    options.onCell?.(event);
    return row;
  };
  // Finished cells first, so results.json holds every finished cell from the first write on.
  for (const { cell, dir, state } of states) {
    if (state === 'done') await finish(cell, dir, 'kept', 0);
  }
  if (done.length > 0) {
    log(`grid: kept ${plural(done.length, 'finished cell')}`);
    summary = (await writeGridFiles(out, gridResults(options, plan, done, backends))).summary;
  }
  for (const [i, { cell, dir, state }] of states.entries()) {
    if (state === 'done') continue;
    const tag = `[${i + 1}/${total}] ${cell.method} seed ${cell.seed}`;
    const t0 = performance.now();
    const remaining = toTrain - trainedCells;
    const eta =
      trainedCells > 0 ? ` (grid eta ${fmtSeconds((trainedSeconds / trainedCells) * remaining)})` : '';
    log(`${tag}: ${state === 'resume' ? 'resuming from its checkpoint' : 'training'}${eta}`);
    const progress = prefixed(inner, `${cell.method}/s${cell.seed}`);
    let action: CellAction = state === 'resume' ? 'resumed' : 'trained';
    if (state === 'resume') {
      try {
        await train({ config: cell.config, out: dir, resume: true, onEvent: progressListener(progress) });
      } catch (e) {
        // A corrupt or outdated checkpoint, or one whose resume hash differs (the trainer's hash also covers
        // the cache folder, which the grid's does not): start the cell again.
        if (!(e instanceof CheckpointError || e instanceof ConfigError)) throw e;
        log(`${tag}: cannot resume (${e.message}); restarting the cell`);
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
    const seconds = (performance.now() - t0) / 1000;
    trainedCells++;
    trainedSeconds += seconds;
    const row = await finish(cell, dir, action, seconds);
    const auc = row.metrics.test?.auc;
    log(
      `${tag}: done in ${fmtSeconds(seconds)} (test auc ${auc === null || auc === undefined ? '-' : auc.toFixed(3)}, step ${row.step_ms.toFixed(0)} ms)`,
    );
    summary = (await writeGridFiles(out, gridResults(options, plan, done, backends))).summary;
  }
  const results = gridResults(options, plan, done, backends);
  summary ??= (await writeGridFiles(out, results)).summary;
  const report = await writeGridReport(out, results, summary);
  log(
    `grid: wrote ${join(out, 'results.json')}, summary.json, tables.md, summary.csv, ${report.html} and ${report.plots.length} plot files`,
  );
  return { results, summary, events };
}
