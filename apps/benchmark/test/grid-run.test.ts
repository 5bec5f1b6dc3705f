// The grid end to end on a tiny DeepfakeBench-layout dataset: every cell trained by the trainer's own train(),
// results.json and the summary consistent with the cells, and resumability (a rerun trains nothing and writes the
// same results; a deleted report retrains that cell only; a changed --set stops, naming the cell).
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Progress } from '@cs-dfd/training';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CellEvent,
  GRID_METRICS,
  GridError,
  type GridResults,
  type GridSummary,
  type RunGridOptions,
  runGrid,
} from '../src/grid/index.js';
import { TINY_SETS, tinyDeepfakeBench } from './grid-fixture.js';

const METHODS = ['orig-only', 'joint', 'uvs+cgr'];
let out: string;
let options: RunGridOptions;
let first: { results: GridResults; summary: GridSummary; events: CellEvent[] };

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
const mtimes = async (results: GridResults) =>
  Promise.all(results.cells.map(async (c) => (await stat(join(out, c.dir, 'report.json'))).mtimeMs));

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'cs-dfd-grid-'));
  options = {
    out,
    protocol: await tinyDeepfakeBench(),
    methods: METHODS,
    seeds: 2,
    sets: TINY_SETS,
    command: 'grid-run.test',
    log: () => {},
  };
  first = await runGrid(options);
}, 120_000);

describe('grid on a DeepfakeBench-layout fixture', () => {
  it('trains every (method, seed) cell with finite metrics on every split', async () => {
    expect(first.events.map((e) => `${e.method}/${e.seed}:${e.action}`)).toEqual([
      'orig-only/0:trained',
      'joint/0:trained',
      'uvs+cgr/0:trained',
      'orig-only/1:trained',
      'joint/1:trained',
      'uvs+cgr/1:trained',
    ]);
    const results = await readJson<GridResults>(join(out, 'results.json'));
    expect(results).toEqual(first.results);
    expect(results.protocol).toBe('deepfakebench');
    expect(results.methods).toEqual(METHODS);
    expect(results.seeds).toEqual([0, 1]);
    expect(results.splits).toEqual(['val', 'test', 'cross:target']);
    expect(results.cells.map((c) => [c.method, c.seed])).toEqual(
      METHODS.flatMap((m) => [
        [m, 0],
        [m, 1],
      ]),
    );
    for (const c of results.cells) {
      expect(c.dir).toBe(`cells/${c.method}/seed-${c.seed}`);
      // The cell is the trainer's output folder: its report names the method the grid asked for.
      const report = await readJson<{ method: string; steps: number; metrics: unknown }>(
        join(out, c.dir, 'report.json'),
      );
      expect(report.method).toBe(c.method);
      expect(report.steps).toBe(4);
      for (const split of results.splits) {
        for (const m of GRID_METRICS)
          expect(Number.isFinite(c.metrics[split]![m]), `${c.dir} ${split} ${m}`).toBe(true);
        expect(c.metrics[split]).toEqual(
          Object.fromEntries(Object.entries((report.metrics as Record<string, object>)[split]!)),
        );
      }
      expect(c.step_ms).toBeGreaterThan(0);
      expect(c.seconds).toBeGreaterThan(0);
      // One-source training logs no cosine; two-source methods log one per applied step.
      if (c.method === 'orig-only') expect(c.conflict_fraction).toBeNull();
      else {
        expect(c.conflict_fraction).toBeGreaterThanOrEqual(0);
        expect(c.conflict_fraction).toBeLessThanOrEqual(1);
      }
    }
    // uvs+cgr trained with CGR (its log carries the conflict loss), joint without.
    const hasLcd = async (dir: string) =>
      (await readFile(join(out, dir, 'log.jsonl'), 'utf8')).includes('"lcd"');
    expect(await hasLcd('cells/uvs+cgr/seed-0')).toBe(true);
    expect(await hasLcd('cells/joint/seed-0')).toBe(false);
  });

  it('summarises per method: lo <= mean <= hi, n = seeds, mean = the plain mean of the cells', async () => {
    const summary = await readJson<GridSummary>(join(out, 'summary.json'));
    expect(summary).toEqual(first.summary);
    expect(summary.rows.map((r) => r.method)).toEqual(METHODS);
    for (const row of summary.rows) {
      const cells = first.results.cells.filter((c) => c.method === row.method);
      for (const split of summary.splits) {
        for (const m of GRID_METRICS) {
          const s = row.metrics[split]![m];
          expect(s.n).toBe(2);
          const values = cells.map((c) => c.metrics[split]![m] as number);
          expect(s.mean).toBeCloseTo((values[0]! + values[1]!) / 2, 12);
          expect(s.lo!).toBeLessThanOrEqual(s.mean!);
          expect(s.hi!).toBeGreaterThanOrEqual(s.mean!);
          // Two seeds: the resampled means are the two values and their mean, so the interval spans the values.
          expect(s.lo).toBe(Math.min(...values));
          expect(s.hi).toBe(Math.max(...values));
        }
      }
    }
    const joint = summary.rows.find((r) => r.method === 'joint')!;
    expect(joint.step_vs_joint).toBe(1);
    const tables = await readFile(join(out, 'tables.md'), 'utf8');
    for (const title of ['## test (in-domain)', '## cross:target (cross-domain)', '## Training diagnostics'])
      expect(tables).toContain(title);
    // The run ends with the HTML report: one ROC plot per split (as SVG and PNG) and a row per method.
    const html = await readFile(join(out, 'index.html'), 'utf8');
    for (const m of METHODS) expect(html).toContain(`>${m}<`);
    for (const split of summary.splits) {
      const name = split.replace(/[^A-Za-z0-9_.-]/g, '_');
      expect((await readFile(join(out, 'plots', `roc-${name}.png`))).subarray(1, 4).toString()).toBe('PNG');
      expect(await readFile(join(out, 'plots', `roc-${name}.svg`), 'utf8')).toContain('<svg');
    }
  });

  it('a rerun trains nothing and writes identical results', async () => {
    const before = await mtimes(first.results);
    const text = await readFile(join(out, 'results.json'), 'utf8');
    const again = await runGrid(options);
    expect(again.events.every((e) => e.action === 'kept')).toBe(true);
    expect(await mtimes(first.results)).toEqual(before);
    expect(await readFile(join(out, 'results.json'), 'utf8')).toBe(text);
  });

  it('a deleted report.json retrains only that cell', async () => {
    const before = await mtimes(first.results);
    await rm(join(out, 'cells', 'joint', 'seed-1', 'report.json'));
    const again = await runGrid(options);
    expect(
      again.events.filter((e) => e.action !== 'kept').map((e) => `${e.method}/${e.seed}:${e.action}`),
    ).toEqual(['joint/1:resumed']);
    const after = await mtimes(first.results);
    const changed = first.results.cells.filter((_, i) => after[i] !== before[i]).map((c) => c.dir);
    expect(changed).toEqual(['cells/joint/seed-1']);
    // The cell resumed from its final checkpoint (nothing left to train): same metrics as before.
    expect(again.results.cells).toEqual(
      first.results.cells.map((c, i) => (c.dir === 'cells/joint/seed-1' ? again.results.cells[i] : c)),
    );
    expect(again.results.cells[3]!.metrics).toEqual(first.results.cells[3]!.metrics);
  });

  it('a changed --set stops before training, naming a cell and the key', async () => {
    const before = await mtimes(first.results);
    const err = await runGrid({ ...options, sets: [...TINY_SETS, 'train.steps=5'] }).catch((e) => e);
    expect(err).toBeInstanceOf(GridError);
    expect(err.code).toBe('config-changed');
    expect(err.message).toContain('orig-only/seed-0');
    expect(err.message).toContain('train.steps: 4 -> 5');
    expect(await mtimes(first.results)).toEqual(before);
  });

  it('a cell without report or checkpoint restarts and reproduces its metrics (same config, same seed)', async () => {
    const dir = join(out, 'cells', 'uvs+cgr', 'seed-0');
    await rm(join(dir, 'report.json'));
    await rm(join(dir, 'checkpoint'), { recursive: true });
    const again = await runGrid(options);
    expect(
      again.events.filter((e) => e.action !== 'kept').map((e) => `${e.method}/${e.seed}:${e.action}`),
    ).toEqual(['uvs+cgr/0:trained']);
    const i = first.results.cells.findIndex((c) => c.dir === 'cells/uvs+cgr/seed-0');
    expect(again.results.cells[i]!.metrics).toEqual(first.results.cells[i]!.metrics);
    const record = await readJson<{
      configHash: string;
      config: { method: { name: string }; cgr: { enabled: boolean } };
    }>(join(dir, 'cell.json'));
    expect([record.config.method.name, record.config.cgr.enabled]).toEqual(['uvs', true]);
  });

  it('a cell interrupted mid-training resumes from its checkpoint and ends as an uninterrupted one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-dfd-grid-int-'));
    const one = { ...options, out: dir, methods: ['joint'], seeds: 1 };
    let label = '';
    // The trainer checkpoints at step 2 (checkpointEvery 2); stop it at step 3, as a kill would.
    const stopAt3: Progress = {
      start: (l) => {
        label = l;
      },
      update: (done) => {
        if (label.endsWith('train') && done === 3) throw new Error('interrupted');
      },
      stop: () => {},
      log: () => {},
    };
    await expect(runGrid({ ...one, progress: stopAt3 })).rejects.toThrow('interrupted');
    expect(await stat(join(dir, 'cells', 'joint', 'seed-0', 'report.json')).catch(() => null)).toBeNull();
    const resumed = await runGrid(one);
    expect(resumed.events.map((e) => e.action)).toEqual(['resumed']);
    const straight = first.results.cells.find((c) => c.dir === 'cells/joint/seed-0')!;
    expect(resumed.results.cells[0]!.metrics).toEqual(straight.metrics);
    const steps = (await readFile(join(dir, 'cells', 'joint', 'seed-0', 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step: number })
      .filter((r) => r.type === 'step')
      .map((r) => r.step);
    expect(steps).toEqual([0, 1, 2, 3]);
  });

  it('a corrupt checkpoint is not resumed: the cell restarts', async () => {
    const dir = join(out, 'cells', 'joint', 'seed-0');
    await rm(join(dir, 'report.json'));
    await writeFile(join(dir, 'checkpoint', 'manifest.json'), '{ not json');
    const again = await runGrid(options);
    expect(
      again.events.filter((e) => e.action !== 'kept').map((e) => `${e.method}/${e.seed}:${e.action}`),
    ).toEqual(['joint/0:trained']);
    const i = first.results.cells.findIndex((c) => c.dir === 'cells/joint/seed-0');
    expect(again.results.cells[i]!.metrics).toEqual(first.results.cells[i]!.metrics);
  });

  it('--force retrains a changed cell; results.json then holds the cells of that command', async () => {
    const forced = await runGrid({
      ...options,
      methods: ['orig-only'],
      seeds: 1,
      sets: [...TINY_SETS, 'train.steps=3'],
      force: true,
    });
    expect(forced.events.map((e) => e.action)).toEqual(['trained']);
    const report = await readJson<{ steps: number }>(
      join(out, 'cells', 'orig-only', 'seed-0', 'report.json'),
    );
    expect(report.steps).toBe(3);
    const results = await readJson<GridResults>(join(out, 'results.json'));
    expect(results.cells.map((c) => c.dir)).toEqual(['cells/orig-only/seed-0']);
    expect(results.methods).toEqual(['orig-only']);
  });
});
