/**
 * The grid's static HTML page: tables rendered from summary.json/results.json (every string escaped), the plots
 * as relative `<img>` links, and a link to each cell's trainer report. No scripts, no external resources.
 */
import type { GridMetric, GridResults, GridSummary, IntervalStat } from '../types.js';
import { GRID_METRICS } from '../types.js';
import { METRIC_LABELS } from './bars.js';

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** A relative path as a URL path: each segment percent-encoded (`uvs+cgr` -> `uvs%2Bcgr`), `/` kept. */
export function relativeHref(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);

/** `mean [lo, hi]`, `mean` without an interval, or `n/a`. */
export function formatStat(s: IntervalStat | undefined, digits = 3): string {
  if (!s || s.mean === null || !Number.isFinite(s.mean)) return 'n/a';
  if (s.lo === null || s.hi === null || !Number.isFinite(s.lo) || !Number.isFinite(s.hi))
    return num(s.mean, digits);
  return `${num(s.mean, digits)} [${num(s.lo, digits)}, ${num(s.hi, digits)}]`;
}

/** A table cell: escaped text, or trusted inner HTML built here (links). */
type Cell = string | { html: string };

function table(
  id: string,
  caption: string,
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const td = (c: Cell) => `<td>${typeof c === 'string' ? escapeHtml(c) : c.html}</td>`;
  return [
    `<table id="${escapeHtml(id)}">`,
    `<caption>${escapeHtml(caption)}</caption>`,
    `<thead><tr>${header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map(td).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
}

/** A plot of the page: its title and its file base relative to the grid folder (`plots/roc-test`). */
export interface PagePlot {
  title: string;
  base: string;
}

/** What the page knows of a cell's folder beyond results.json. */
export interface PageCell {
  hasReport: boolean;
}

/** Everything the page shows. */
export interface PageInput {
  results: GridResults;
  summary: GridSummary;
  plots: readonly PagePlot[];
  /** Per `results.cells` entry, in the same order. */
  cells: readonly PageCell[];
  /** Things the reader should know (missing scores, methods without cosine). */
  notes: readonly string[];
  /** Grid-level files present in the folder (`tables.md`, `summary.csv`, ...), linked at the end. */
  files: readonly string[];
}

/** The ids of the page's tables, in page order: `metrics-<i>` per summary split, `efficiency`, `cells`. */
export function tableIds(summary: GridSummary): string[] {
  return [...summary.splits.map((_, i) => `metrics-${i}`), 'efficiency', 'cells'];
}

/** The whole HTML5 document. */
export function renderPage(p: PageInput): string {
  const { results, summary } = p;
  const title = `cs-dfd benchmark grid: ${summary.protocol}`;
  const metricTables = summary.splits.map((split, i) =>
    table(
      `metrics-${i}`,
      `${split}: mean over seeds [95% bootstrap interval]`,
      ['method', ...GRID_METRICS.map((m: GridMetric) => METRIC_LABELS[m]), 'seeds'],
      summary.rows.map((r) => [
        r.method,
        ...GRID_METRICS.map((m) => formatStat(r.metrics[split]?.[m])),
        String(r.metrics[split]?.auc?.n ?? 0),
      ]),
    ),
  );
  const efficiency = table(
    'efficiency',
    'Gradient conflict and step time',
    ['method', 'conflicting steps (fraction)', 'step ms (median)', 'step time vs joint'],
    summary.rows.map((r) => [
      r.method,
      r.conflict_fraction.mean === null ? 'n/a (one source)' : formatStat(r.conflict_fraction),
      num(r.step_ms, 1),
      r.step_vs_joint === null ? 'n/a' : `${num(r.step_vs_joint, 2)}×`,
    ]),
  );
  const cells = table(
    'cells',
    'Cells: one trainer run per (method, seed)',
    [
      'method',
      'seed',
      ...results.splits.map((s) => `${s} AUC`),
      'training s',
      'step ms',
      'conflict fraction',
      'report',
    ],
    results.cells.map((c, i) => [
      c.method,
      String(c.seed),
      ...results.splits.map((s) => num(c.metrics[s]?.auc ?? null)),
      num(c.seconds, 0),
      num(c.step_ms, 1),
      c.conflict_fraction === null ? 'n/a' : num(c.conflict_fraction),
      p.cells[i]?.hasReport
        ? {
            html: `<a href="${escapeHtml(relativeHref(`${c.dir}/report.md`))}">${escapeHtml(`${c.dir}/report.md`)}</a>`,
          }
        : 'no report.md',
    ]),
  );
  const figures = p.plots.map((pl) =>
    [
      '<figure>',
      `<img src="${escapeHtml(relativeHref(`${pl.base}.svg`))}" alt="${escapeHtml(pl.title)}">`,
      `<figcaption>${escapeHtml(pl.title)} (<a href="${escapeHtml(relativeHref(`${pl.base}.svg`))}">SVG</a>, <a href="${escapeHtml(relativeHref(`${pl.base}.png`))}">PNG</a>)</figcaption>`,
      '</figure>',
    ].join('\n'),
  );
  const dl = (k: string, v: string, code = false) =>
    `<dt>${escapeHtml(k)}</dt><dd>${code ? `<code>${escapeHtml(v)}</code>` : escapeHtml(v)}</dd>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
dt { font-weight: 600; } dd { margin: 0 0 0.5rem 1rem; }
code, pre { background: #f5f5f5; overflow-wrap: anywhere; white-space: pre-wrap; }
figure { display: inline-block; margin: 0 1rem 1.5rem 0; vertical-align: top; }
img { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<dl>
${dl('protocol', summary.protocol)}
${dl('machine', summary.machine)}
${dl('command', summary.command, true)}
${dl('methods', results.methods.join(', '))}
${dl('seeds', summary.seeds.join(', '))}
${dl('splits', summary.splits.join(', '))}
</dl>
<h2>Shared trainer overrides</h2>
<pre>${escapeHtml(JSON.stringify(results.overrides, null, 2))}</pre>
<h2>Metrics per split</h2>
${metricTables.join('\n')}
<h2>Gradient conflict and step time</h2>
<p>Conflicting steps: the fraction of steps with cos(g_original, g_synthesized) &lt; 0. Step time relative to <code>joint</code>.</p>
${efficiency}
<h2>Plots</h2>
${figures.join('\n')}
<h2>Cells</h2>
${cells}
${p.notes.length > 0 ? `<h2>Notes</h2>\n<ul>\n${p.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}\n</ul>` : ''}
<h2>Files</h2>
<ul>
${p.files.map((f) => `<li><a href="${escapeHtml(relativeHref(f))}">${escapeHtml(f)}</a></li>`).join('\n')}
</ul>
</body>
</html>
`;
}
