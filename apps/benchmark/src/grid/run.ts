/**
 * The grid runner (DESIGN §14): every (method, seed) cell trained by the trainer's own `train()`, one after the
 * other in this process, into `DIR/cells/<method>/seed-<n>`. Resumable: a finished cell whose config is unchanged
 * is kept, a half-finished one continues from its checkpoint, a changed one is an error (or, with `force`, is
 * retrained). `results.json` and the tables are rewritten after every cell, so an interrupted grid keeps its
 * finished cells.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { cpus, type as osType, release } from 'node:os';
import { join, resolve } from 'node:path';
import {
  applyOverrides,
  ConfigError,
  checkConfig,
  type Progress,
  resolveConfig,
  type TrainConfig,
} from '@cs-dfd/training';
import { type CellAction, cellState } from './cell-runner.js';
import { cellDir, cellHash, readCell } from './cells.js';
import { GridError } from './errors.js';
import { type CellExecutor, type CellTask, inProcessExecutor } from './executor.js';
import { type GridMethodSpec, resolveMethods } from './methods.js';
import { writeGridFiles } from './outputs.js';
import { type GridProtocol, protocolConfig, protocolName } from './protocol.js';
import { writeGridReport } from './report/index.js';
import { GRID_METHODS, type GridCell, type GridResults, type GridSummary } from './types.js';
import type { Variant } from './variants.js';

export type { CellAction } from './cell-runner.js';

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
  /**
   * Where the cells train. Default: {@link inProcessExecutor} (one after another here, with `progress`). With
   * another executor a cell that fails for good is reported and the grid ends with a `cells-failed` error after
   * writing every finished cell.
   */
  executor?: CellExecutor;
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
  const executor =
    options.executor ??
    inProcessExecutor({ ...(options.progress === undefined ? {} : { progress: options.progress }), log });
  const tasks: CellTask[] = states.flatMap(({ cell, dir, state }, index) =>
    state === 'done' ? [] : [{ index, cell, dir, grid: out, force: options.force === true }],
  );
  const tagOf = (t: CellTask) => `[${t.index + 1}/${total}] ${t.cell.method} seed ${t.cell.seed}`;
  const failures: string[] = [];
  let running = 0;
  const t0 = performance.now();
  // With parallel workers the wall clock, not the sum of cell times, says when the grid ends.
  const eta = () => {
    const finished = trainedCells + failures.length;
    if (finished === 0) return '';
    const perCell =
      executor === options.executor ? (performance.now() - t0) / 1000 / finished : trainedSeconds / finished;
    return ` (grid eta ${fmtSeconds(perCell * (toTrain - finished))})`;
  };
  const status = () =>
    `grid: ${done.length}/${total} cells done, ${running} running, ${failures.length} failed${eta()}`;
  if (tasks.length > 0 && options.executor !== undefined)
    log(`grid: training ${plural(tasks.length, 'cell')} ${executor.where}`);
  await executor.run(tasks, {
    started: (task, state) => {
      running++;
      const what =
        state === 'resume' ? 'resuming from its checkpoint' : state === 'fresh' ? 'training' : 'started';
      log(`${tagOf(task)}: ${what}${eta()}`);
    },
    finished: async (task, action, seconds) => {
      running = Math.max(0, running - 1);
      trainedCells++;
      trainedSeconds += seconds;
      const row = await finish(task.cell, task.dir, action, seconds);
      const auc = row.metrics.test?.auc;
      log(
        `${tagOf(task)}: done in ${fmtSeconds(seconds)} (test auc ${auc === null || auc === undefined ? '-' : auc.toFixed(3)}, step ${row.step_ms.toFixed(0)} ms)`,
      );
      summary = (await writeGridFiles(out, gridResults(options, plan, done, backends))).summary;
      if (options.executor !== undefined) log(status());
    },
    failed: (task, error) => {
      running = Math.max(0, running - 1);
      failures.push(`${task.cell.method}/seed-${task.cell.seed}: ${error}`);
      log(`${tagOf(task)}: FAILED: ${error}`);
      log(status());
    },
  });
  const results = gridResults(options, plan, done, backends);
  summary ??= (await writeGridFiles(out, results)).summary;
  const report = await writeGridReport(out, results, summary);
  log(
    `grid: wrote ${join(out, 'results.json')}, summary.json, tables.md, summary.csv, ${report.html} and ${report.plots.length} plot files`,
  );
  if (failures.length > 0) {
    throw new GridError(
      'cells-failed',
      `${plural(failures.length, 'cell')} failed after retries (the other cells are in ${join(out, 'results.json')}; rerun the same command to retry them):\n  ${failures.join('\n  ')}`,
    );
  }
  return { results, summary, events };
}
