// The grid's summary math on hand-made results (no training): seed intervals, step-time ratios, the conflict
// fraction of a hand-written log, the tables, and a CSV that parses back.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GridError } from '../src/grid/errors.js';
import { stepStats } from '../src/grid/log-stats.js';
import { summarizeDir, summaryFiles } from '../src/grid/outputs.js';
import { seedInterval, summarize } from '../src/grid/summary.js';
import { CSV_HEADER, summaryCsv, summaryMarkdown } from '../src/grid/tables.js';
import { GRID_METRICS, type GridResults } from '../src/grid/types.js';

// Imported module by module, not through the grid's index, so this file does not load the trainer (TensorFlow.js).

/** A cell with the same value for every metric of every split. */
function cell(method: string, seed: number, v: number | null, step_ms: number, conflict: number | null) {
  const split = Object.fromEntries([...GRID_METRICS, 'acc', 'n'].map((m) => [m, v]));
  return {
    method,
    seed,
    metrics: { val: split, test: split, 'cross:x': split },
    step_ms,
    conflict_fraction: conflict,
    dir: `cells/${method}/seed-${seed}`,
    seconds: 1,
  };
}

const RESULTS: GridResults = {
  protocol: 'faceworld',
  machine: 'test machine',
  command: 'hand-made',
  overrides: {},
  methods: ['joint', 'uvs', 'orig-only', 'never-ran'],
  seeds: [0, 1, 2],
  splits: ['val', 'test', 'cross:x'],
  cells: [
    cell('joint', 0, 0.7, 10, 0.4),
    cell('joint', 1, 0.9, 14, 0.2),
    cell('joint', 2, 0.8, 12, 0.3),
    cell('uvs', 0, 0.6, 13, 0.5),
    cell('uvs', 1, null, 100, 0.5),
    cell('uvs', 2, 0.8, 15, 0.5),
    cell('orig-only', 0, 0.5, 8, null),
  ],
};

/** A small RFC 4180 reader, written independently of the writer: quoted fields, doubled quotes, CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

describe('seedInterval', () => {
  it('one seed: lo = hi = mean; none finite: nulls and n = 0', () => {
    expect(seedInterval([0.42])).toEqual({ mean: 0.42, lo: 0.42, hi: 0.42, n: 1 });
    expect(seedInterval([null, 0.42, Number.NaN])).toEqual({ mean: 0.42, lo: 0.42, hi: 0.42, n: 1 });
    expect(seedInterval([null, Number.NaN, undefined])).toEqual({ mean: null, lo: null, hi: null, n: 0 });
    expect(seedInterval([])).toEqual({ mean: null, lo: null, hi: null, n: 0 });
  });

  it('golden small cases from the exact bootstrap distribution of the mean', () => {
    // Two values: resampled means are a, (a+b)/2, b with probabilities 1/4, 1/2, 1/4, so the 2.5% and 97.5%
    // percentiles are the two values.
    expect(seedInterval([0.7, 0.9])).toEqual({ mean: 0.8, lo: 0.7, hi: 0.9, n: 2 });
    // [0, 0, 1]: the resampled mean is k/3 with k ~ Binomial(3, 1/3); P(k = 0) = 8/27 and P(k = 3) = 1/27 both
    // exceed 2.5%, so the interval is [0, 1].
    const s = seedInterval([0, 0, 1]);
    expect(s.mean).toBeCloseTo(1 / 3, 15);
    expect([s.lo, s.hi, s.n]).toEqual([0, 1, 3]);
  });

  it('matches the normal approximation 1.96 σ/√n on a large sample (independent path)', () => {
    const xs = Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898) * 0.5 + (i % 7) * 0.01);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
    const half = (1.96 * sd) / Math.sqrt(xs.length);
    const s = seedInterval(xs, { resamples: 4000 });
    expect(s.mean).toBeCloseTo(mean, 12);
    expect((s.hi! - s.lo!) / 2 / half).toBeGreaterThan(0.9);
    expect((s.hi! - s.lo!) / 2 / half).toBeLessThan(1.1);
  });

  it('property: finite, lo <= mean <= hi, within [min, max], mean is the mean, reproducible', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 1000 }),
        (xs, seed) => {
          const s = seedInterval(xs, { rng: seed, resamples: 300 });
          const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
          const scale = Math.max(1, ...xs.map(Math.abs));
          expect(Math.abs(s.mean! - mean)).toBeLessThanOrEqual(1e-12 * scale);
          expect(s.n).toBe(xs.length);
          expect(s.lo!).toBeLessThanOrEqual(s.mean!);
          expect(s.hi!).toBeGreaterThanOrEqual(s.mean!);
          expect(s.lo!).toBeGreaterThanOrEqual(Math.min(...xs) - 1e-12 * scale);
          expect(s.hi!).toBeLessThanOrEqual(Math.max(...xs) + 1e-12 * scale);
          expect(seedInterval(xs, { rng: seed, resamples: 300 })).toEqual(s);
        },
      ),
    );
  });
});

describe('stepStats on a hand-written log.jsonl', () => {
  const log = [
    { type: 'step', step: 0, skipped: false, ms: 500, cosine: -0.2 },
    { type: 'step', step: 1, skipped: false, ms: 10, cosine: 0.3 },
    { type: 'step', step: 2, skipped: true, reason: 'nan', ms: 1, cosine: -0.9 },
    { type: 'eval', split: 'val', step: 2, auc: 0.5 },
    { type: 'step', step: 3, skipped: false, ms: 30, cosine: -0.1 },
    { type: 'step', step: 4, skipped: false, ms: 20, cosine: 0.5 },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n');

  it('median ms of applied steps after the first; conflict = negative cosines over applied steps', () => {
    // applied after step 0: 10, 30, 20 -> 20; cosines of applied steps: -0.2, 0.3, -0.1, 0.5 -> 2 of 4.
    expect(stepStats(log)).toEqual({ step_ms: 20, conflict_fraction: 0.5, steps: 5 });
  });

  it('one source: no cosine, so no conflict fraction; a single step is its own time', () => {
    const one = '{"type":"step","step":0,"skipped":false,"ms":7,"losses":{"original":0.6}}\n';
    expect(stepStats(one)).toEqual({ step_ms: 7, conflict_fraction: null, steps: 1 });
  });

  it('names the file and line of a broken record; a log without steps is an error', () => {
    expect(() => stepStats(`${log}\n{oops`, 'x/log.jsonl')).toThrow(/x\/log\.jsonl:7: not JSON/);
    expect(() => stepStats('{"type":"step","step":1}', 'y.jsonl')).toThrow(/y\.jsonl:1: .*finite ms/);
    expect(() => stepStats('{"type":"eval","step":1}\n', 'z.jsonl')).toThrow(GridError);
  });
});

describe('summarize', () => {
  const summary = summarize(RESULTS);
  const row = (m: string) => summary.rows.find((r) => r.method === m)!;

  it('rows in method order, only methods with cells; nulls left out of n', () => {
    expect(summary.rows.map((r) => r.method)).toEqual(['joint', 'uvs', 'orig-only']);
    expect(row('joint').metrics.test!.auc.mean).toBeCloseTo(0.8, 15);
    expect(row('joint').metrics.test!.auc.n).toBe(3);
    expect(row('uvs').metrics['cross:x']!.eer).toEqual({ mean: 0.7, lo: 0.6, hi: 0.8, n: 2 });
    expect(row('orig-only').metrics.val!.video_auc).toEqual({ mean: 0.5, lo: 0.5, hi: 0.5, n: 1 });
  });

  it('step time: median over seeds, ratio to joint; conflict fraction with its interval', () => {
    expect(row('joint').step_ms).toBe(12);
    expect(row('uvs').step_ms).toBe(15);
    expect(row('uvs').step_vs_joint).toBe(1.25);
    expect(row('joint').step_vs_joint).toBe(1);
    expect(row('uvs').conflict_fraction).toEqual({ mean: 0.5, lo: 0.5, hi: 0.5, n: 3 });
    expect(row('joint').conflict_fraction.mean).toBeCloseTo(0.3, 15);
    expect(row('orig-only').conflict_fraction).toEqual({ mean: null, lo: null, hi: null, n: 0 });
    const noJoint = summarize({ ...RESULTS, cells: RESULTS.cells.filter((c) => c.method !== 'joint') });
    expect(noJoint.rows.every((r) => r.step_vs_joint === null)).toBe(true);
  });

  it('paired differences to joint over the seeds both finished; none for joint itself', () => {
    // uvs - joint: seed 0 0.6 - 0.7, seed 1 uvs undefined (left out), seed 2 0.8 - 0.8.
    const d = row('uvs').vs_joint!.test!.auc;
    expect(d.mean).toBeCloseTo(-0.05, 12);
    expect([d.lo, d.hi, d.n]).toEqual([expect.closeTo(-0.1, 12), 0, 2]);
    expect(row('orig-only').vs_joint!['cross:x']!.auc.mean).toBeCloseTo(-0.2, 12);
    expect(row('joint').vs_joint).toBeNull();
    const noJoint = summarize({ ...RESULTS, cells: RESULTS.cells.filter((c) => c.method !== 'joint') });
    expect(noJoint.rows.every((r) => r.vs_joint === null)).toBe(true);
  });

  it('AUC SE: Hanley-McNeil at the mean AUC and the split counts; null without counts', () => {
    expect(row('joint').auc_se!.test).toBeNull();
    const counted = (seed: number, auc: number) => {
      const c = cell('joint', seed, auc, 10, 0.1);
      return { ...c, metrics: { ...c.metrics, test: { ...c.metrics.test, nFake: 3456, nReal: 1152 } } };
    };
    const s = summarize({ ...RESULTS, cells: [counted(0, 0.4), counted(1, 0.6)] });
    // At AUC 0.5 the SE is the Mann-Whitney null SD sqrt((m + n + 1) / (12 m n)): faceworld README's 0.0098.
    expect(s.rows[0]!.auc_se!.test).toBeCloseTo(Math.sqrt((3456 + 1152 + 1) / (12 * 3456 * 1152)), 12);
    expect(s.rows[0]!.auc_se!.test).toBeCloseTo(0.0098, 4);
    expect(summaryMarkdown(s)).toMatch(/\| joint +\| 0\.500 \[0\.400, 0\.600\] .*\| 0\.0098 +\| 2 +\|/);
  });

  it('Markdown: one table per split (in-domain first) and the diagnostics, in the documented format', () => {
    const md = summaryMarkdown(summary);
    const titles = md.split('\n').filter((l) => l.startsWith('## '));
    expect(titles).toEqual([
      '## test (in-domain)',
      '## cross:x (cross-domain)',
      '## val (in-domain validation, used for model selection)',
      '## AUC minus joint, paired by seed',
      '## Training diagnostics',
    ]);
    expect(md).toMatch(/\| uvs +\| 0\.700 \[0\.600, 0\.800\] \|/);
    expect(md).toMatch(/\| uvs +\| 0\.500 \[0\.500, 0\.500\] +\| 15\.0 +\| 1\.25x/);
    expect(md).toMatch(/\| orig-only +\| - +\| 8\.0 +\| 0\.67x/);
  });

  it('CSV: long format that parses back to the summary, with fields that need quoting', () => {
    const odd = 'a,"b"';
    const s = summarize({
      ...RESULTS,
      methods: [odd],
      cells: [cell(odd, 0, 0.25, 3, null), cell(odd, 1, 0.75, 5, 0.1)],
    });
    const rows = parseCsv(summaryCsv(s));
    expect(rows[0]).toEqual([...CSV_HEADER]);
    const body = rows.slice(1);
    expect(body).toHaveLength(3 * GRID_METRICS.length + 3 + 3);
    for (const r of body) expect(r[0]).toBe(odd);
    const auc = body.find((r) => r[1] === 'test' && r[2] === 'auc')!;
    expect(auc.slice(3).map(Number)).toEqual([0.5, 0.25, 0.75, 2]);
    const conflict = body.find((r) => r[2] === 'conflict_fraction')!;
    expect(conflict.slice(1)).toEqual(['train', 'conflict_fraction', '0.1', '0.1', '0.1', '1']);
    const step = body.find((r) => r[2] === 'step_ms')!;
    expect(step.slice(3)).toEqual(['4', '', '', '']);
    // No joint row: the ratio is empty rather than NaN.
    expect(body.find((r) => r[2] === 'step_vs_joint')!.slice(3)).toEqual(['', '', '', '']);
  });

  it('summarizeDir regenerates the derived files from results.json alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-dfd-grid-sum-'));
    await writeFile(join(dir, 'results.json'), JSON.stringify(RESULTS));
    const files = await summarizeDir(dir);
    expect(files).toEqual({ ...summaryFiles(RESULTS), results: RESULTS });
    expect(JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'))).toEqual(files.summary);
    expect(await readFile(join(dir, 'tables.md'), 'utf8')).toBe(files.markdown);
    expect(await readFile(join(dir, 'summary.csv'), 'utf8')).toBe(files.csv);
  });

  it('summarizeDir names the field of a malformed results.json, and a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-dfd-grid-bad-'));
    await expect(summarizeDir(dir)).rejects.toThrow(/results\.json does not exist/);
    const bad = { ...RESULTS, cells: [{ ...RESULTS.cells[0]!, step_ms: 'fast' }] };
    await writeFile(join(dir, 'results.json'), JSON.stringify(bad));
    await expect(summarizeDir(dir)).rejects.toThrow(/cells\[0\]\.step_ms: unexpected value "fast"/);
    await writeFile(join(dir, 'results.json'), '{');
    await expect(summarizeDir(dir)).rejects.toThrow(/not JSON/);
  });
});
