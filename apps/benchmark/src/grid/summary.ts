/**
 * The grid's summary (DESIGN §14): per method, split and metric the mean over seeds with a 95% percentile bootstrap
 * interval that resamples seeds, the conflict fraction with the same interval, and the step time relative to
 * `joint`. Pure: the same results.json always gives the same summary (the bootstrap generator is seeded per
 * interval, so one interval does not depend on which other methods are in the grid).
 */
import { bootstrapCI, hanleyMcNeilSE } from '@cs-dfd/metrics';
import {
  GRID_METRICS,
  type GridCell,
  type GridMetric,
  type GridResults,
  type GridSummary,
  type GridSummaryRow,
  type IntervalStat,
} from './types.js';

/** Options of {@link seedInterval} and {@link summarize}. */
export interface IntervalOptions {
  /** Bootstrap resamples. Default 2000. */
  resamples?: number;
  /** Coverage. Default 0.95. */
  level?: number;
  /** Seed of the bootstrap generator (a fresh generator per interval). Default 0. */
  rng?: number;
}

/** Sum of a multiset in a fixed (sorted) order, so a permutation of the same values gives bit-identical means. */
function orderedMean(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  let t = 0;
  for (const v of s) t += v;
  return t / s.length;
}

/**
 * Mean of the finite values with a percentile bootstrap interval over them (each value is one seed, so the
 * interval resamples seeds). Non-finite entries and nulls (an undefined metric, e.g. AUC of a one-class split) are
 * left out and not counted in `n`; with none left every field is null and `n` is 0. One value gives lo = hi = mean.
 */
export function seedInterval(
  values: readonly (number | null | undefined)[],
  options: IntervalOptions = {},
): IntervalStat {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return { mean: null, lo: null, hi: null, n: 0 };
  const mean = orderedMean(xs);
  if (xs.length === 1) return { mean, lo: mean, hi: mean, n: 1 };
  const ci = bootstrapCI(new Uint8Array(xs.length), Float64Array.from(xs), (_y, s) => orderedMean(s), {
    resamples: options.resamples ?? 2000,
    level: options.level ?? 0.95,
    rng: options.rng ?? 0,
    stratified: false,
    warn: () => {},
  });
  return { mean, lo: ci.lower, hi: ci.upper, n: xs.length };
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Hanley–McNeil SE at `meanAuc` and the class counts of the first cell that records them for `split`. */
function aucStandardError(meanAuc: number | null, cells: readonly GridCell[], split: string): number | null {
  const counted = cells.find((c) => typeof c.metrics[split]?.nFake === 'number');
  const nFake = counted?.metrics[split]?.nFake;
  const nReal = counted?.metrics[split]?.nReal;
  if (meanAuc === null || typeof nFake !== 'number' || typeof nReal !== 'number' || nFake < 1 || nReal < 1) {
    return null;
  }
  return hanleyMcNeilSE(meanAuc, nFake, nReal);
}

/**
 * Per split and metric, the interval of (method − joint) over the seeds both finished: the seeds share data order,
 * initialisation and test sets, so the paired difference cancels what the seeds have in common.
 */
function pairedToJoint(
  results: GridResults,
  method: string,
  options: IntervalOptions,
): Record<string, Record<GridMetric, IntervalStat>> {
  const jointAt = new Map(results.cells.filter((c) => c.method === 'joint').map((c) => [c.seed, c]));
  const pairs = results.cells
    .filter((c) => c.method === method && jointAt.has(c.seed))
    .map((c) => [c, jointAt.get(c.seed)!] as const);
  const diff = (a: number | null | undefined, b: number | null | undefined): number | null =>
    typeof a === 'number' && typeof b === 'number' ? a - b : null;
  return Object.fromEntries(
    results.splits.map((split) => [
      split,
      Object.fromEntries(
        GRID_METRICS.map((m) => [
          m,
          seedInterval(
            pairs.map(([c, j]) => diff(c.metrics[split]?.[m], j.metrics[split]?.[m])),
            options,
          ),
        ]),
      ) as Record<GridMetric, IntervalStat>,
    ]),
  );
}

/**
 * Summarises a grid's results: one row per method that has a cell (in `results.methods` order, then any method
 * that only the cells name), every split of `results.splits` and every metric of {@link GRID_METRICS}. `step_ms` is the median over
 * the method's cells; `step_vs_joint` divides it by joint's (null without a `joint` row); `auc_se` is the
 * Hanley–McNeil SE of each split's AUC; `vs_joint` the paired-by-seed differences to joint.
 */
export function summarize(results: GridResults, options: IntervalOptions = {}): GridSummary {
  const methods = [...results.methods];
  for (const c of results.cells) if (!methods.includes(c.method)) methods.push(c.method);
  // A method without a finished cell (an interrupted grid) has no row rather than a row of nulls.
  const present = methods.filter((m) => results.cells.some((c) => c.method === m));
  const rows: GridSummaryRow[] = present.map((method) => {
    const cells = results.cells.filter((c) => c.method === method);
    const metrics: GridSummaryRow['metrics'] = {};
    for (const split of results.splits) {
      metrics[split] = Object.fromEntries(
        GRID_METRICS.map((m) => [
          m,
          seedInterval(
            cells.map((c) => c.metrics[split]?.[m] ?? null),
            options,
          ),
        ]),
      ) as Record<GridMetric, IntervalStat>;
    }
    return {
      method,
      metrics,
      conflict_fraction: seedInterval(
        cells.map((c) => c.conflict_fraction),
        options,
      ),
      step_ms: medianOf(cells.map((c) => c.step_ms)),
      step_vs_joint: null,
      auc_se: Object.fromEntries(
        results.splits.map((split) => [split, aucStandardError(metrics[split]!.auc.mean, cells, split)]),
      ),
      vs_joint: null,
    };
  });
  const joint = rows.find((r) => r.method === 'joint');
  for (const r of rows) {
    r.step_vs_joint = joint !== undefined && joint.step_ms > 0 ? r.step_ms / joint.step_ms : null;
    if (joint !== undefined && r !== joint) r.vs_joint = pairedToJoint(results, r.method, options);
  }
  return {
    protocol: results.protocol,
    machine: results.machine,
    command: results.command,
    splits: [...results.splits],
    seeds: [...results.seeds],
    rows,
  };
}
