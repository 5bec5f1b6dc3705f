/**
 * The grid's files: `results.json` (written by the runner after every cell) and what is derived from it —
 * `summary.json`, `tables.md`, `summary.csv`. {@link summarizeDir} regenerates the derived files from a
 * results.json without training.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@cs-dfd/plots';
import { GridError } from './errors.js';
import { type IntervalOptions, summarize } from './summary.js';
import { summaryCsv, summaryMarkdown } from './tables.js';
import type { GridCell, GridResults, GridSummary } from './types.js';

/** File names inside a grid folder. */
export const GRID_FILES = {
  results: 'results.json',
  summary: 'summary.json',
  tables: 'tables.md',
  csv: 'summary.csv',
} as const;

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** What {@link summaryFiles} renders: the summary and its two tables. */
export interface SummaryFiles {
  summary: GridSummary;
  markdown: string;
  csv: string;
}

/** Pure: results -> summary, Markdown tables and CSV. */
export function summaryFiles(results: GridResults, options: IntervalOptions = {}): SummaryFiles {
  const summary = summarize(results, options);
  return { summary, markdown: summaryMarkdown(summary), csv: summaryCsv(summary) };
}

/** Writes results.json, summary.json, tables.md and summary.csv into `dir`, each atomically. */
export async function writeGridFiles(dir: string, results: GridResults): Promise<SummaryFiles> {
  const files = summaryFiles(results);
  await writeFileAtomic(join(dir, GRID_FILES.results), json(results));
  await writeFileAtomic(join(dir, GRID_FILES.summary), json(files.summary));
  await writeFileAtomic(join(dir, GRID_FILES.tables), files.markdown);
  await writeFileAtomic(join(dir, GRID_FILES.csv), files.csv);
  return files;
}

function check(cond: boolean, file: string, field: string, value: unknown): asserts cond {
  if (!cond) {
    throw new GridError(
      'bad-results',
      `${file}: ${field}: unexpected value ${JSON.stringify(value)?.slice(0, 120) ?? 'nothing'}`,
      field,
    );
  }
}

/** Checks the shape of a parsed results.json; a problem is a {@link GridError} naming the file and field. */
export function validateResults(raw: unknown, file: string = GRID_FILES.results): GridResults {
  check(raw !== null && typeof raw === 'object' && !Array.isArray(raw), file, '(root)', raw);
  const r = raw as Record<string, unknown>;
  check(
    r.protocol === 'faceworld' || r.protocol === 'faceworld-large' || r.protocol === 'deepfakebench',
    file,
    'protocol',
    r.protocol,
  );
  for (const k of ['machine', 'command'] as const) check(typeof r[k] === 'string', file, k, r[k]);
  for (const k of ['methods', 'splits'] as const) {
    check(Array.isArray(r[k]) && (r[k] as unknown[]).every((x) => typeof x === 'string'), file, k, r[k]);
  }
  check(Array.isArray(r.seeds) && r.seeds.every((x) => Number.isInteger(x)), file, 'seeds', r.seeds);
  check(Array.isArray(r.cells), file, 'cells', r.cells);
  (r.cells as unknown[]).forEach((c, i) => {
    const at = `cells[${i}]`;
    check(c !== null && typeof c === 'object', file, at, c);
    const cell = c as Partial<GridCell>;
    check(typeof cell.method === 'string', file, `${at}.method`, cell.method);
    check(Number.isInteger(cell.seed), file, `${at}.seed`, cell.seed);
    check(typeof cell.step_ms === 'number', file, `${at}.step_ms`, cell.step_ms);
    check(
      cell.conflict_fraction === null || typeof cell.conflict_fraction === 'number',
      file,
      `${at}.conflict_fraction`,
      cell.conflict_fraction,
    );
    check(
      cell.metrics !== null && typeof cell.metrics === 'object' && !Array.isArray(cell.metrics),
      file,
      `${at}.metrics`,
      cell.metrics,
    );
    for (const [split, ms] of Object.entries(cell.metrics!)) {
      check(ms !== null && typeof ms === 'object', file, `${at}.metrics.${split}`, ms);
      for (const [m, v] of Object.entries(ms)) {
        check(v === null || typeof v === 'number', file, `${at}.metrics.${split}.${m}`, v);
      }
    }
  });
  return raw as GridResults;
}

/**
 * Reads `dir/results.json` and rewrites summary.json, tables.md and summary.csv from it (no training); returns the
 * results too, for the HTML report.
 */
export async function summarizeDir(dir: string): Promise<SummaryFiles & { results: GridResults }> {
  const file = join(dir, GRID_FILES.results);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new GridError('missing-file', `${file} does not exist (run the grid first)`, 'out');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GridError('bad-results', `${file} is not JSON: ${(e as Error).message}`);
  }
  const results = validateResults(raw, file);
  const files = summaryFiles(results);
  await writeFileAtomic(join(dir, GRID_FILES.summary), json(files.summary));
  await writeFileAtomic(join(dir, GRID_FILES.tables), files.markdown);
  await writeFileAtomic(join(dir, GRID_FILES.csv), files.csv);
  return { ...files, results };
}
