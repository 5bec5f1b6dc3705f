/**
 * The grid's tables: Markdown (one table per split plus one of training diagnostics) and a long-format CSV
 * (`method,split,metric,mean,lo,hi,n`), both from a {@link GridSummary}.
 */
import { fmt, markdownTable } from '../table.js';
import { GRID_METRICS, type GridMetric, type GridSummary, type IntervalStat } from './types.js';

const METRIC_LABEL: Record<GridMetric, string> = {
  auc: 'AUC',
  ap: 'AP',
  eer: 'EER',
  video_auc: 'video AUC',
};

/** `0.812 [0.790, 0.835]`; `-` where nothing was finite. */
export function intervalText(s: IntervalStat, digits = 3): string {
  if (s.mean === null) return '-';
  const bound = (v: number | null) => (v === null ? '-' : fmt(v, digits));
  return `${fmt(s.mean, digits)} [${bound(s.lo)}, ${bound(s.hi)}]`;
}

/** What a split name means in a table title. */
export function splitTitle(split: string): string {
  if (split === 'test') return 'test (in-domain)';
  if (split === 'val') return 'val (in-domain validation, used for model selection)';
  if (split.startsWith('cross:')) return `${split} (cross-domain)`;
  return split;
}

/** Splits in table order: in-domain test first, then the cross-domain splits, validation last. */
function tableOrder(splits: readonly string[]): string[] {
  const rank = (s: string) => (s === 'test' ? 0 : s.startsWith('cross:') ? 1 : s === 'val' ? 3 : 2);
  return [...splits].sort((a, b) => rank(a) - rank(b));
}

/** The Markdown tables of a summary (see the README's Grid section for a sample). */
export function summaryMarkdown(summary: GridSummary): string {
  const seeds = summary.seeds.length;
  const out: string[] = [
    `# Grid: ${summary.protocol}`,
    '',
    `Mean over ${seeds} seed${seeds === 1 ? '' : 's'} (${summary.seeds.join(', ')}) with a 95% percentile bootstrap interval that resamples seeds. EER: lower is better.`,
    '',
    `Command: \`${summary.command}\``,
    '',
    `Machine: ${summary.machine}`,
  ];
  for (const split of tableOrder(summary.splits)) {
    out.push(
      '',
      `## ${splitTitle(split)}`,
      '',
      markdownTable(
        ['method', ...GRID_METRICS.map((m) => METRIC_LABEL[m]), 'AUC SE (test set)', 'seeds'],
        summary.rows.map((r) => {
          const ms = r.metrics[split];
          const n = ms === undefined ? 0 : Math.max(...GRID_METRICS.map((m) => ms[m].n));
          const se = r.auc_se?.[split];
          return [
            r.method,
            ...GRID_METRICS.map((m) => (ms === undefined ? '-' : intervalText(ms[m]))),
            se === undefined || se === null ? '-' : fmt(se, 4),
            String(n),
          ];
        }),
      ),
    );
  }
  const paired = summary.rows.filter((r) => r.vs_joint !== null && r.vs_joint !== undefined);
  if (paired.length > 0) {
    const splits = tableOrder(summary.splits);
    out.push(
      '',
      '## AUC minus joint, paired by seed',
      '',
      "Mean over the seeds both finished of (method AUC − joint AUC) at the same seed, with the 95% bootstrap interval of those differences (an interval that excludes 0 is a difference the seeds agree on; the test sets' own sampling error is the SE column above).",
      '',
      markdownTable(
        ['method', ...splits, 'seeds paired'],
        paired.map((r) => [
          r.method,
          ...splits.map((sp) => {
            const d = r.vs_joint![sp]?.auc;
            return d === undefined ? '-' : intervalText(d);
          }),
          String(Math.max(0, ...splits.map((sp) => r.vs_joint![sp]?.auc.n ?? 0))),
        ]),
      ),
    );
  }
  out.push(
    '',
    '## Training diagnostics',
    '',
    "Conflict fraction: share of applied steps whose minibatch cos(g_original, g_synthesized) < 0 (a noisy per-step sign; one-source methods have none). Step time: median over seeds of each run's median step, first step excluded.",
    '',
    markdownTable(
      ['method', 'conflict fraction', 'step (ms)', 'vs joint'],
      summary.rows.map((r) => [
        r.method,
        intervalText(r.conflict_fraction),
        fmt(r.step_ms, 1),
        r.step_vs_joint === null ? '-' : `${fmt(r.step_vs_joint, 2)}x`,
      ]),
    ),
  );
  return `${out.join('\n')}\n`;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Header of {@link summaryCsv}. */
export const CSV_HEADER = ['method', 'split', 'metric', 'mean', 'lo', 'hi', 'n'] as const;

/**
 * Long-format CSV: one row per (method, split, metric) with the interval; per split `<metric>_vs_joint` (the paired
 * difference to joint with its interval; absent for joint and without joint) and `auc_se` (Hanley–McNeil, in
 * `mean`); then per method the conflict fraction
 * (split `train`, with its interval), `step_ms` and `step_vs_joint` (split `train`; for these two `mean` holds the
 * median over seeds and `lo`, `hi`, `n` are empty). Full precision; empty fields where a value is null. CRLF line ends,
 * as RFC 4180 writes them.
 */
export function summaryCsv(summary: GridSummary): string {
  const rows: (string | number | null)[][] = [[...CSV_HEADER]];
  for (const r of summary.rows) {
    for (const split of summary.splits) {
      const ms = r.metrics[split];
      if (ms === undefined) continue;
      for (const m of GRID_METRICS) rows.push([r.method, split, m, ms[m].mean, ms[m].lo, ms[m].hi, ms[m].n]);
    }
    for (const split of summary.splits) {
      const d = r.vs_joint?.[split];
      if (d !== undefined)
        for (const m of GRID_METRICS)
          rows.push([r.method, split, `${m}_vs_joint`, d[m].mean, d[m].lo, d[m].hi, d[m].n]);
      const se = r.auc_se?.[split];
      if (se !== undefined) rows.push([r.method, split, 'auc_se', se, null, null, null]);
    }
    const c = r.conflict_fraction;
    rows.push([r.method, 'train', 'conflict_fraction', c.mean, c.lo, c.hi, c.n]);
    rows.push([r.method, 'train', 'step_ms', r.step_ms, null, null, null]);
    rows.push([r.method, 'train', 'step_vs_joint', r.step_vs_joint, null, null, null]);
  }
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
