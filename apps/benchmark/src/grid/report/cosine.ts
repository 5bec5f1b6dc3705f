/** Gradient cosine over training: per method, the mean over seeds of cos(g_original, g_synthesized), smoothed. */
import type { TopLevelSpec } from '@cs-dfd/plots';
import { methodColorScale } from './colors.js';
import { GridReportError } from './errors.js';
import type { CosinePoint } from './inputs.js';
import { thin } from './thin.js';

/** Points the cosine plot keeps per method. */
export const COSINE_POINTS = 400;

/**
 * The moving-mean window for a run of `steps` steps: 25 steps, or 1/50 of the run when that is longer (so long
 * runs are as smooth as short ones at the plot's few hundred points), always odd so the window is centred.
 */
export function defaultCosineWindow(steps: number): number {
  const w = Math.max(25, Math.ceil(steps / 50));
  return w % 2 === 1 ? w : w + 1;
}

/**
 * Centred moving mean with `window` (odd) points, truncated at the ends (the first point averages itself and the
 * `(window-1)/2` after it).
 */
export function movingMean(xs: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0)
    throw new GridReportError(
      'bad-option',
      `movingMean: window must be an odd positive integer, got ${window}`,
      'window',
    );
  const h = (window - 1) / 2;
  // A direct sum per point (O(n·window), window <= n/50 + 25): prefix-sum differences would cancel badly.
  return xs.map((_, i) => {
    const a = Math.max(0, i - h);
    const b = Math.min(xs.length, i + h + 1);
    let sum = 0;
    for (let k = a; k < b; k++) sum += xs[k]!;
    return sum / (b - a);
  });
}

/**
 * One method's curve: at each step logged by any seed, the mean cosine over the seeds that logged it, then the
 * centred moving mean of that series over `window` steps (in step order).
 */
export function cosineCurve(seeds: readonly (readonly CosinePoint[])[], window: number): CosinePoint[] {
  const acc = new Map<number, { sum: number; n: number }>();
  for (const log of seeds)
    for (const p of log) {
      const a = acc.get(p.step) ?? { sum: 0, n: 0 };
      a.sum += p.cosine;
      a.n += 1;
      acc.set(p.step, a);
    }
  const steps = [...acc.keys()].sort((x, y) => x - y);
  const smooth = movingMean(
    steps.map((s) => acc.get(s)!.sum / acc.get(s)!.n),
    window,
  );
  return steps.map((step, i) => ({ step, cosine: smooth[i]! }));
}

/** A method's smoothed cosine curve. */
export interface CosineSeries {
  method: string;
  points: CosinePoint[];
}

/** Vega-Lite spec: one line per method (thinned), a dashed zero line (below it the sources' gradients conflict). */
export function cosineSpec(
  series: readonly CosineSeries[],
  methods: readonly string[],
  window: number,
): TopLevelSpec {
  const values = series.flatMap((s) =>
    thin(s.points, COSINE_POINTS).map((p) => ({ method: s.method, step: p.step, cosine: p.cosine })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Gradient cosine cos(g_original, g_synthesized) over training',
      subtitle: `${window}-step centred moving mean of the mean over seeds; one-source methods have no cosine`,
    },
    width: 560,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: 'cosine', type: 'quantitative', title: 'cosine', scale: { domain: [-1, 1] } },
          color: {
            field: 'method',
            type: 'nominal',
            scale: methodColorScale(
              methods,
              series.map((s) => s.method),
            ),
          },
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { datum: 0 } } },
    ],
  } as TopLevelSpec;
}
