import { fmt, markdownTable } from '../table.js';
import type { MultiMnistRun } from './train.js';

/** Mean and sample standard deviation (n - 1; 0 for a single value). */
export interface MeanStd {
  mean: number;
  std: number;
}

/** One method over its seeds. */
export interface MultiMnistSummary {
  method: string;
  seeds: number;
  left: MeanStd;
  right: MeanStd;
  /** Per seed the average of the two heads' accuracies, then mean ± std over seeds. */
  both: MeanStd;
  /** Mean over seeds of the median step time, ms. */
  step_ms: number;
  /** `step_ms` over that of `mean` (plain joint training); undefined when `mean` did not run. */
  relative_step?: number;
}

/** Mean and sample standard deviation of a non-empty sample. */
export function meanStd(xs: readonly number[]): MeanStd {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0 };
}

/** Groups runs by method (in first-seen order) and summarises each over its seeds. */
export function summarizeRuns(runs: readonly MultiMnistRun[]): MultiMnistSummary[] {
  const methods = [...new Set(runs.map((r) => r.method))];
  const out = methods.map((method): MultiMnistSummary => {
    const mine = runs.filter((r) => r.method === method);
    return {
      method,
      seeds: mine.length,
      left: meanStd(mine.map((r) => r.left_acc)),
      right: meanStd(mine.map((r) => r.right_acc)),
      both: meanStd(mine.map((r) => (r.left_acc + r.right_acc) / 2)),
      step_ms: meanStd(mine.map((r) => r.step_ms)).mean,
    };
  });
  const base = out.find((s) => s.method === 'mean')?.step_ms;
  if (base !== undefined && base > 0) for (const s of out) s.relative_step = s.step_ms / base;
  return out;
}

const pct = (m: MeanStd): string => `${fmt(100 * m.mean, 2)} ± ${fmt(100 * m.std, 2)}`;

/** The results table: test accuracy (%) of each head and their average, mean ± std over seeds, and step times. */
export function multiMnistTable(summary: readonly MultiMnistSummary[]): string {
  return markdownTable(
    ['method', 'seeds', 'left acc (%)', 'right acc (%)', 'mean acc (%)', 'step (ms)', 'step vs mean'],
    summary.map((s) => [
      s.method,
      String(s.seeds),
      pct(s.left),
      pct(s.right),
      pct(s.both),
      fmt(s.step_ms, 1),
      s.relative_step === undefined ? '—' : `${fmt(s.relative_step, 2)}×`,
    ]),
  );
}
