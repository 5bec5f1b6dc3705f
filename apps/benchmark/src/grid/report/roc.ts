/** ROC curves per split, one per method, from the frame scores of every seed pooled. */
import { rocCurve } from '@cs-dfd/metrics';
import type { TopLevelSpec } from '@cs-dfd/plots';
import { methodColorScale } from './colors.js';
import type { SplitScores } from './inputs.js';
import { thin } from './thin.js';

/** Points the ROC plots keep per curve. */
export const ROC_POINTS = 300;

/** One ROC operating point. */
export interface RocPoint {
  fpr: number;
  tpr: number;
}

/**
 * The ROC curve of the seeds' scores pooled into one sample ("fake when score >= t" over all of them), thinned
 * to at most `max` points (first and last kept). Null when the pooled sample lacks a class (no curve exists).
 */
export function pooledRoc(seeds: readonly SplitScores[], max = ROC_POINTS): RocPoint[] | null {
  const n = seeds.reduce((a, s) => a + s.labels.length, 0);
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  let k = 0;
  for (const s of seeds) {
    labels.set(s.labels, k);
    scores.set(s.scores, k);
    k += s.labels.length;
  }
  let oneClass = false;
  const c = rocCurve(labels, scores, { warn: () => (oneClass = true) });
  if (oneClass || n === 0) return null;
  return thin(
    Array.from(c.fpr, (fpr, i) => ({ fpr, tpr: c.tpr[i]! })),
    max,
  );
}

/** A method's pooled curve on one split, and the seeds it pools. */
export interface RocSeries {
  method: string;
  seeds: number[];
  points: RocPoint[];
}

/**
 * Vega-Lite spec of one split's ROC curves, one line per method; `methods` fixes the colour order so a method
 * has the same colour in every plot of the report.
 */
export function rocSpec(
  split: string,
  series: readonly RocSeries[],
  methods: readonly string[],
): TopLevelSpec {
  const values = series.flatMap((s) =>
    s.points.map((p, order) => ({ method: s.method, fpr: p.fpr, tpr: p.tpr, order })),
  );
  const seedSets = [...new Set(series.map((s) => s.seeds.join(', ')))];
  const pooled = seedSets.length === 1 ? `seeds ${seedSets[0]} pooled` : 'each method’s seeds pooled';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `ROC, ${split}`, subtitle: `frame scores, ${pooled} per method` },
    width: 360,
    height: 360,
    data: { values },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'false-positive rate', scale: { domain: [0, 1] } },
          y: { field: 'tpr', type: 'quantitative', title: 'true-positive rate', scale: { domain: [0, 1] } },
          color: {
            field: 'method',
            type: 'nominal',
            scale: methodColorScale(
              methods,
              series.map((s) => s.method),
            ),
          },
          order: { field: 'order', type: 'quantitative' },
        },
      },
      {
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { x: { datum: 0 }, y: { datum: 0 }, x2: { datum: 1 }, y2: { datum: 1 } },
      },
    ],
  } as TopLevelSpec;
}
