/**
 * The benchmark grid's data contract (DESIGN §14): what `cs-dfd-bench grid` writes to `DIR/results.json` and
 * `DIR/summary.json`, and what its tables, plots and HTML report read. The runner, the summary and the report are
 * separate modules that meet only here.
 */
import { METHOD_LABELS } from '@cs-dfd/training/method';

/**
 * The default methods of the grid, in table order: `@cs-dfd/training`'s `METHOD_LABELS` (the step-time suite
 * times the same list). `uvs+cgr` is UVS with CGR's Conflict Descent Loss.
 */
export const GRID_METHODS = METHOD_LABELS;

/** Metrics the tables report per split (names as in the trainer's report.json). */
export const GRID_METRICS = ['auc', 'ap', 'eer', 'video_auc'] as const;
export type GridMetric = (typeof GRID_METRICS)[number];

/** One finished (method, seed) training run. */
export interface GridCell {
  /** Grid method name (`joint`, `uvs+cgr`, ...). */
  method: string;
  seed: number;
  /**
   * The trainer's report.json metrics per split: `val`, `test` (in-domain), `cross:<name>` (cross-domain); each
   * holds at least `auc`, `ap`, `eer`, `video_auc`, `acc`, `n`.
   */
  metrics: Record<string, Record<string, number | null>>;
  /** Median wall-clock ms of one optimizer step (from the cell's log.jsonl). */
  step_ms: number;
  /** Fraction of steps with cos(g_original, g_synthesized) < 0; null for one-source methods. */
  conflict_fraction: number | null;
  /** The trainer's output folder of this cell, relative to the grid folder (`cells/<method>/seed-<n>`). */
  dir: string;
  /** Training seconds (the trainer's report `seconds`). */
  seconds: number;
}

/** `DIR/results.json`. */
export interface GridResults {
  protocol: 'faceworld' | 'deepfakebench';
  /** One line: CPU, cores, OS, node, tfjs backend (from `perf/machine.ts`). */
  machine: string;
  /** The command line that produced the grid. */
  command: string;
  /** Trainer config overrides shared by every cell (`--set` pairs and the protocol's data section). */
  overrides: Record<string, unknown>;
  methods: string[];
  seeds: number[];
  /** Evaluated splits in report order (`val`, `test`, `cross:...`). */
  splits: string[];
  cells: GridCell[];
}

/** Mean over seeds with a 95% bootstrap interval (percentile, resampling seeds); null where nothing finite. */
export interface IntervalStat {
  mean: number | null;
  lo: number | null;
  hi: number | null;
  /** Seeds that contributed. */
  n: number;
}

/** One method's row of the summary. */
export interface GridSummaryRow {
  method: string;
  /** split -> metric -> interval. */
  metrics: Record<string, Record<GridMetric, IntervalStat>>;
  conflict_fraction: IntervalStat;
  /** Median step ms over seeds. */
  step_ms: number;
  /** step_ms / joint's step_ms; null when `joint` is not in the grid. */
  step_vs_joint: number | null;
}

/** `DIR/summary.json`. */
export interface GridSummary {
  protocol: GridResults['protocol'];
  machine: string;
  command: string;
  splits: string[];
  seeds: number[];
  rows: GridSummaryRow[];
}
