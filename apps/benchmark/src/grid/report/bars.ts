/** Metric bars per split with the summary's 95% bootstrap intervals over seeds as error bars. */
import type { TopLevelSpec } from '@cs-dfd/plots';
import type { GridMetric, GridSummary } from '../types.js';
import { methodColorScale } from './colors.js';

/** Display names of the metrics (EER: lower is better, said where it is shown). */
export const METRIC_LABELS: Record<GridMetric, string> = {
  auc: 'AUC',
  ap: 'AP',
  eer: 'EER',
  video_auc: 'video AUC',
};

/** One bar: a method's mean on a split and its interval (null ends: no interval, e.g. a single seed). */
export interface BarDatum {
  split: string;
  method: string;
  mean: number;
  lo: number | null;
  hi: number | null;
  n: number;
}

/** The bars of one metric: every (method, split) with a finite mean, in summary row order. */
export function barData(summary: GridSummary, metric: GridMetric): BarDatum[] {
  return summary.splits.flatMap((split) =>
    summary.rows.flatMap((row) => {
      const s = row.metrics[split]?.[metric];
      if (!s || s.mean === null || !Number.isFinite(s.mean)) return [];
      const ok = (x: number | null) => (x !== null && Number.isFinite(x) ? x : null);
      return [{ split, method: row.method, mean: s.mean, lo: ok(s.lo), hi: ok(s.hi), n: s.n }];
    }),
  );
}

/**
 * Vega-Lite spec: one panel per split, a bar per method, a rule from `lo` to `hi`. `methods` fixes order and
 * colours (the same as in the other plots).
 */
export function barSpec(
  summary: GridSummary,
  metric: GridMetric,
  methods: readonly string[] = summary.rows.map((r) => r.method),
): TopLevelSpec {
  const label = METRIC_LABELS[metric];
  const values = barData(summary, metric);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `${label}${metric === 'eer' ? ' (lower is better)' : ''} per split`,
      subtitle: 'mean over seeds; error bars: 95% bootstrap interval over seeds',
    },
    data: { values },
    facet: { field: 'split', type: 'nominal', title: null, sort: [...summary.splits] },
    columns: 3,
    spec: {
      width: Math.max(160, 22 * methods.length),
      height: 200,
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            x: {
              field: 'method',
              type: 'nominal',
              sort: [...methods],
              title: null,
              axis: { labelAngle: -45 },
            },
            y: { field: 'mean', type: 'quantitative', title: label, scale: { domain: [0, 1] } },
            color: {
              field: 'method',
              type: 'nominal',
              scale: methodColorScale(
                methods,
                values.map((v) => v.method),
              ),
              legend: null,
            },
          },
        },
        {
          transform: [{ filter: 'isValid(datum.lo) && isValid(datum.hi)' }],
          mark: { type: 'rule', color: 'black' },
          encoding: {
            x: { field: 'method', type: 'nominal', sort: [...methods] },
            y: { field: 'lo', type: 'quantitative' },
            y2: { field: 'hi' },
          },
        },
      ],
    },
  } as TopLevelSpec;
}
