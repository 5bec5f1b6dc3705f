/**
 * The grid's plots and static HTML report (DESIGN §14): reads a finished grid folder and writes `plots/*.{svg,png}`
 * and `index.html`.
 */
import { access } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { type TopLevelSpec, writeFileAtomic, writePlot } from '@cs-dfd/plots';
import { scoresFile } from '@cs-dfd/training';
import { GRID_METRICS, type GridResults, type GridSummary } from '../types.js';
import { barData, barSpec, METRIC_LABELS } from './bars.js';
import { type CosineSeries, cosineCurve, cosineSpec, defaultCosineWindow } from './cosine.js';
import { GridReportError } from './errors.js';
import { type PagePlot, renderPage } from './html.js';
import { type CosinePoint, parseCosines, parseScores, readIfExists, type SplitScores } from './inputs.js';
import { pooledRoc, type RocSeries, rocSpec } from './roc.js';

export { type BarDatum, barData, barSpec, METRIC_LABELS } from './bars.js';
export { methodColorScale } from './colors.js';
export { type CosineSeries, cosineCurve, cosineSpec, defaultCosineWindow, movingMean } from './cosine.js';
export { GridReportError, type GridReportErrorCode } from './errors.js';
export { escapeHtml, formatStat, relativeHref, renderPage, tableIds } from './html.js';
export { type CosinePoint, parseCosines, parseCsv, parseScores, type SplitScores } from './inputs.js';
export { pooledRoc, type RocPoint, type RocSeries, rocSpec } from './roc.js';

/** What {@link writeGridReport} wrote: full paths under the grid folder. */
export interface GridReportFiles {
  /** `DIR/index.html`. */
  html: string;
  /** Every plot file written, SVG and PNG (`DIR/plots/roc-test.svg`, `DIR/plots/roc-test.png`, ...). */
  plots: string[];
}

/** Grid-level files the page links to when they are there. */
const GRID_FILES = ['tables.md', 'summary.csv', 'summary.json', 'results.json'];

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** Throws unless `d` is a relative path inside the grid folder (the page links it; the folder must stay portable). */
function checkCellDir(d: string, i: number): void {
  if (d === '' || isAbsolute(d) || d.includes('\\') || d.split('/').some((s) => s === '..'))
    throw new GridReportError(
      'bad-cell-dir',
      `results.json: cells[${i}].dir is ${JSON.stringify(d)}; expected a relative path inside the grid folder (cells/<method>/seed-<n>)`,
      'results.json',
    );
}

/**
 * Writes the grid's plots and static HTML report into `dir` (the folder holding `results.json` and `summary.json`).
 *
 * Plots (`dir/plots/`, each as SVG and PNG, rendered by `@cs-dfd/plots`):
 * - `roc-<split>`: per split (file name as the trainer's `scores/` files), one ROC curve per method from the
 *   frame scores of all its seeds pooled (`<cell.dir>/scores/<split>.csv`), thinned to 300 points;
 * - `cosine`: per two-source method, cos(g_original, g_synthesized) from the cells' `log.jsonl`, averaged over
 *   seeds per step and smoothed by a centred moving mean ({@link defaultCosineWindow}), with a zero line;
 * - `bars-<metric>` for AUC, AP, EER and video AUC: per split, the summary's mean over seeds with its 95%
 *   bootstrap interval.
 *
 * `dir/index.html`: protocol, machine and command; the tables of summary.json and results.json as HTML tables
 * (every string escaped); the plots as relative `<img>` links to the SVGs; links to each cell's `report.md` and
 * to the grid's own files. No scripts and no external resources: the folder can be copied and opened anywhere.
 *
 * Missing per-cell inputs (a trainer output without `scores/`, a cell without `log.jsonl`) leave that curve out
 * and are listed under "Notes" on the page. Malformed inputs throw {@link GridReportError} naming the file; every
 * input is read and checked before the first file is written.
 *
 * @example
 * ```ts
 * const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as GridResults;
 * const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as GridSummary;
 * const { html } = await writeGridReport(dir, results, summary); // open `html` in any browser
 * ```
 */
export async function writeGridReport(
  dir: string,
  results: GridResults,
  summary: GridSummary,
): Promise<GridReportFiles> {
  results.cells.forEach((c, i) => checkCellDir(c.dir, i));
  const methods = [
    ...results.methods,
    ...new Set(results.cells.map((c) => c.method).filter((m) => !results.methods.includes(m))),
  ];
  const notes: string[] = [];
  // Read and check every input before writing anything: a malformed file fails fast and leaves no half report.
  const rocs = await collectRocs(dir, results, methods, notes);
  const cosines = await collectCosines(dir, results, methods, notes);

  const written: string[] = [];
  const plots: PagePlot[] = [];
  const plot = async (spec: TopLevelSpec, name: string, title: string) => {
    const paths = await writePlot(spec, join(dir, 'plots', name));
    written.push(paths.svg, paths.png);
    plots.push({ title, base: `plots/${name}` });
  };
  for (const r of rocs)
    await plot(
      rocSpec(r.split, r.series, methods),
      `roc-${r.file.replace(/\.csv$/, '')}`,
      `ROC curves, ${r.split}`,
    );
  if (cosines.series.length > 0)
    await plot(
      cosineSpec(cosines.series, methods, cosines.window),
      'cosine',
      'Gradient cosine over training',
    );
  for (const metric of GRID_METRICS) {
    if (barData(summary, metric).length === 0) continue;
    await plot(
      barSpec(summary, metric, methods),
      `bars-${metric}`,
      `${METRIC_LABELS[metric]} per split with 95% intervals`,
    );
  }

  const cells = await Promise.all(
    results.cells.map(async (c) => ({ hasReport: await exists(join(dir, c.dir, 'report.md')) })),
  );
  const files = (
    await Promise.all(GRID_FILES.map(async (f) => ((await exists(join(dir, f))) ? f : null)))
  ).filter((f): f is string => f !== null);
  const html = join(dir, 'index.html');
  await writeFileAtomic(html, renderPage({ results, summary, plots, cells, notes, files }));
  return { html, plots: written };
}

/** Per split with at least one curve: the pooled ROC series of each method whose cells have that split's scores. */
async function collectRocs(
  dir: string,
  results: GridResults,
  methods: readonly string[],
  notes: string[],
): Promise<{ split: string; file: string; series: RocSeries[] }[]> {
  const out: { split: string; file: string; series: RocSeries[] }[] = [];
  for (const split of results.splits) {
    const file = scoresFile(split);
    const series: RocSeries[] = [];
    const missing: string[] = [];
    for (const method of methods) {
      const seeds: SplitScores[] = [];
      const seedIds: number[] = [];
      for (const c of results.cells.filter((x) => x.method === method)) {
        const path = join(dir, c.dir, 'scores', file);
        const text = await readIfExists(path);
        if (text === null) missing.push(`${c.dir}/scores/${file}`);
        else {
          seeds.push(parseScores(text, path));
          seedIds.push(c.seed);
        }
      }
      if (seeds.length === 0) continue;
      const points = pooledRoc(seeds);
      if (points === null)
        notes.push(`ROC ${split}: ${method}'s pooled scores hold one class only; no curve.`);
      else series.push({ method, seeds: seedIds, points });
    }
    if (missing.length > 0) notes.push(`ROC ${split}: no scores file in ${missing.join(', ')} (left out).`);
    if (series.length > 0) out.push({ split, file, series });
  }
  return out;
}

/** The smoothed seed-mean cosine curve of every method whose logs carry a cosine, and the window used. */
async function collectCosines(
  dir: string,
  results: GridResults,
  methods: readonly string[],
  notes: string[],
): Promise<{ series: CosineSeries[]; window: number }> {
  let steps = 0;
  const logs = new Map<string, CosinePoint[][]>();
  for (const c of results.cells) {
    const path = join(dir, c.dir, 'log.jsonl');
    const text = await readIfExists(path);
    if (text === null) {
      notes.push(`Cosine: no log.jsonl in ${c.dir} (left out).`);
      continue;
    }
    const pts = parseCosines(text, path);
    for (const p of pts) steps = Math.max(steps, p.step + 1);
    if (pts.length > 0) logs.set(c.method, [...(logs.get(c.method) ?? []), pts]);
  }
  const window = defaultCosineWindow(steps);
  const series: CosineSeries[] = [];
  const none: string[] = [];
  for (const method of methods) {
    const seeds = logs.get(method);
    if (seeds) series.push({ method, points: cosineCurve(seeds, window) });
    else none.push(method);
  }
  if (none.length > 0)
    notes.push(`Cosine: no gradient cosine logged for ${none.join(', ')} (one-source methods log none).`);
  return { series, window };
}
