import { Rng } from '@cs-dfd/rng';
import { type MetricOptions, warnerOf } from './errors.js';
import { checkInputs, checkRange, type Labels, type Scores } from './inputs.js';

/** A metric of validated inputs (labels 0/1, finite scores), e.g. `(y, s) => auc(y, s, { warn: () => {} })`. */
export type SampleMetric = (labels: Uint8Array, scores: Float64Array) => number;

/** Options of {@link bootstrapCI}. */
export interface BootstrapOptions extends MetricOptions {
  /** Resamples drawn. Default 1000: percentile bounds of a 95% interval settle to about ±0.005 AUC there. */
  readonly resamples?: number;
  /** Coverage of the interval. Default 0.95. */
  readonly level?: number;
  /** Seed or generator (the generator is advanced). Default seed 0, so a report is reproducible. */
  readonly rng?: number | Rng;
  /**
   * Resample reals and fakes separately, keeping both counts (default true): every resample has both classes, and
   * the interval reflects a test set of the same composition.
   */
  readonly stratified?: boolean;
}

/** A percentile bootstrap interval. */
export interface BootstrapInterval {
  /** The metric on the full sample. */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  /** Resamples whose metric was finite and entered the percentiles. */
  readonly used: number;
  /** Resamples skipped because the metric was NaN there (e.g. one class only when not stratified). */
  readonly skipped: number;
}

/**
 * Percentile bootstrap confidence interval of any metric: resample samples with replacement (by default within
 * each class), recompute, take the (1 − level)/2 and (1 + level)/2 quantiles (linear interpolation between order
 * statistics, numpy's default). For video-level intervals, bootstrap the output of `videoScores`, so that frames
 * of one video are resampled together.
 *
 * Skipped resamples are counted and reported, with a warning; if none is usable the bounds are NaN.
 */
export function bootstrapCI(
  labels: Labels,
  scores: Scores,
  metric: SampleMetric,
  options: BootstrapOptions = {},
): BootstrapInterval {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  checkRange('bootstrapCI', 'resamples', resamples, 1, 1e7);
  checkRange('bootstrapCI', 'level', level, 0, 1);
  const rng = options.rng instanceof Rng ? options.rng : new Rng(options.rng ?? 0);
  const { labels: y, scores: s } = checkInputs('bootstrapCI', labels, scores);
  const n = s.length;
  const pools: number[][] =
    (options.stratified ?? true)
      ? [0, 1].map((c) => Array.from(y.keys()).filter((i) => y[i] === c))
      : [Array.from(y.keys())];
  const ry = new Uint8Array(n);
  const rs = new Float64Array(n);
  const values: number[] = [];
  let skipped = 0;
  for (let b = 0; b < resamples; b++) {
    let j = 0;
    for (const pool of pools) {
      for (let m = 0; m < pool.length; m++) {
        const i = pool[rng.int(0, pool.length - 1)]!;
        ry[j] = y[i]!;
        rs[j] = s[i]!;
        j++;
      }
    }
    const v = metric(ry, rs);
    if (Number.isFinite(v)) values.push(v);
    else skipped++;
  }
  if (skipped > 0) {
    warnerOf(options)(
      `bootstrapCI: ${skipped} of ${resamples} resamples gave a non-finite metric and were skipped`,
    );
  }
  values.sort((a, b) => a - b);
  return {
    estimate: metric(y, s),
    lower: quantile(values, (1 - level) / 2),
    upper: quantile(values, (1 + level) / 2),
    level,
    used: values.length,
    skipped,
  };
}

/** Quantile q of ascending `sorted` by linear interpolation between order statistics; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
