// `grid --jobs N` (processPoolExecutor): cells in child processes give the same rows as the in-process grid
// (`--jobs 1`), a failing cell stops the grid with `cells-failed` after keeping the finished cells, and each child's
// lines reach the log prefixed with its cell. Runs dist/grid/cell-process.js (built by `pnpm build`).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobsArg } from '../src/grid/command.js';
import {
  autoJobs,
  CELL_PROCESS_SCRIPT,
  type GridCell,
  GridError,
  type GridResults,
  processPoolExecutor,
  type RunGridOptions,
  runGrid,
} from '../src/grid/index.js';
import { TINY_SETS, tinyDeepfakeBench } from './grid-fixture.js';

const METHODS = ['joint', 'uvs'];
let base: Omit<RunGridOptions, 'out'>;
let serial: GridResults;
let parallel: GridResults;
const lines: string[] = [];

/** A row without what depends on the wall clock. */
const deterministic = ({ step_ms: _s, seconds: _t, ...rest }: GridCell) => rest;

beforeAll(async () => {
  if (!existsSync(CELL_PROCESS_SCRIPT))
    throw new Error(`${CELL_PROCESS_SCRIPT} missing: run pnpm build first`);
  base = {
    protocol: await tinyDeepfakeBench(),
    methods: METHODS,
    seeds: 2,
    sets: TINY_SETS,
    command: 'grid-jobs.test',
    log: () => {},
  };
  const [a, b] = await Promise.all([
    mkdtemp(join(tmpdir(), 'cs-dfd-grid-j1-')),
    mkdtemp(join(tmpdir(), 'cs-dfd-grid-j2-')),
  ]);
  serial = (await runGrid({ ...base, out: a })).results;
  parallel = (
    await runGrid({
      ...base,
      out: b,
      log: (l) => lines.push(l),
      executor: processPoolExecutor({
        jobs: 2,
        log: (l) => lines.push(l),
        progressEvery: 0,
        handleSignals: false,
      }),
    })
  ).results;
}, 240_000);

describe('grid --jobs 2', () => {
  it('gives the rows of --jobs 1: same cells, same metrics on every split', () => {
    expect(parallel.cells.map((c) => `${c.method}/${c.seed}`)).toEqual([
      'joint/0',
      'joint/1',
      'uvs/0',
      'uvs/1',
    ]);
    expect(parallel.cells.map(deterministic)).toEqual(serial.cells.map(deterministic));
    expect(parallel.splits).toEqual(serial.splits);
  });

  it("prefixes each child's lines with its cell", () => {
    const children = lines.filter((l) => /^\[(joint|uvs)\/s[01]\] /.test(l));
    expect(new Set(children.map((l) => l.slice(0, l.indexOf(']') + 1)))).toEqual(
      new Set(['[joint/s0]', '[joint/s1]', '[uvs/s0]', '[uvs/s1]']),
    );
  });

  it('a failing cell ends the grid with cells-failed and starts no further cell', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-grid-jfail-'));
    // A report.json without cell.json: the child's runCell refuses the folder (config-changed) while the parent,
    // which plans from a clean folder, has already handed it the task. Planted when the grid logs that training begins.
    const failing = join(out, 'cells', 'joint', 'seed-0');
    let planted = false;
    const err = await runGrid({
      ...base,
      seeds: 2,
      out,
      log: (l) => {
        if (!planted && l.startsWith('grid: training')) {
          planted = true;
          mkdirSync(failing, { recursive: true });
          writeFileSync(join(failing, 'report.json'), '{}');
        }
      },
      executor: processPoolExecutor({ jobs: 1, log: () => {}, handleSignals: false }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GridError);
    expect((err as GridError).code).toBe('cells-failed');
    expect((err as GridError).message).toContain('joint/seed-0');
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as GridResults;
    // jobs 1: the failure is the first cell, so nothing after it trained.
    expect(results.cells).toEqual([]);
  });

  it('--jobs parses auto and positive integers, refuses the rest', () => {
    expect(jobsArg('auto')).toBe('auto');
    expect(jobsArg('3')).toBe(3);
    expect(() => jobsArg('0')).toThrow(/positive integer/);
    expect(() => jobsArg('two')).toThrow(/positive integer/);
    expect(autoJobs(2)).toBe(2);
    expect(autoJobs(1)).toBe(1);
    expect(() => processPoolExecutor({ jobs: 0 })).toThrow(/jobs must be a positive integer/);
  });
});
