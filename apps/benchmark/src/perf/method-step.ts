/**
 * Step time per training method relative to `joint` (issue #8 item 6, DESIGN §14), on the trainer's own step:
 * `@cs-dfd/training`'s `planMethod`, `packBatch`, `makeOptimizer` and `runStep`, the trainer's default detector, on one
 * fixed batch so that data loading and SBI are not timed. Methods run interleaved in rounds because the machine is
 * shared: a burst of load from another job then spreads over every method instead of landing on one.
 */
import { loadavg } from 'node:os';
import { type CandidateName, initBackend } from '@cs-dfd/backend';
import type { Batch, SubBatch } from '@cs-dfd/data';
import { createDetector, type Detector, resolveConfig as resolveDetectorConfig } from '@cs-dfd/detectors';
import type { StepResult } from '@cs-dfd/multitask';
import { Rng } from '@cs-dfd/rng';
import {
  applyOverrides,
  checkWorkers,
  fakesPerSource,
  METHOD_LABELS,
  type MethodPlan,
  makeOptimizer,
  methodLabelOverrides,
  packBatch,
  planMethod,
  resolveConfig,
  runStep,
  type StepData,
  StepWorkers,
  setLearningRate,
  type TrainConfig,
  type TrainConfigInput,
} from '@cs-dfd/training';
import type * as tf from '@tensorflow/tfjs-core';
import { memory } from '@tensorflow/tfjs-core';
import { fmt, markdownTable } from '../table.js';
import { machineLine, summarize } from './machine.js';

/**
 * The methods timed by default: the grid's rows (`@cs-dfd/training`'s `METHOD_LABELS`) with `joint` first, the
 * baseline every row is compared with, and without `syn-only`, whose step on a fixed batch is `orig-only`'s (one
 * source, the same shapes).
 */
export const STEP_METHODS: readonly string[] = [
  'joint',
  ...METHOD_LABELS.filter((m) => m !== 'joint' && m !== 'syn-only'),
];

/** Issue #8's step-time targets: the median step of the method at most this many times `joint`'s. */
export const STEP_TARGETS: Readonly<Record<string, number>> = { uvs: 1.1, 'uvs+cgr': 1.5 };

/** A bad option of a performance suite: `option` names it, `value` is what was given. */
export class PerfOptionError extends Error {
  override readonly name = 'PerfOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    message: string,
  ) {
    super(`${option}: ${message} (got ${JSON.stringify(value)})`);
  }
}

/** Throws {@link PerfOptionError} unless `v` is an integer >= `min`. */
export function checkInt(option: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new PerfOptionError(option, v, `must be an integer >= ${min}`);
  return v;
}

/**
 * The trainer configuration of a method label (`@cs-dfd/training`'s `parseMethodLabel`: a trainer method name,
 * with `+cgr` switching `cgr.enabled` on). Without the suffix CGR is off, although the trainer's default has it on,
 * so that `uvs` and `uvs+cgr` differ by CGR alone. `base` supplies everything else (detector, batch size,
 * optimizer). A label without a name is a {@link PerfOptionError}; an unknown method a `ConfigError`.
 */
export function methodConfig(label: string, base: TrainConfigInput = {}): TrainConfig {
  const onWorkers = label.endsWith(WORKERS_SUFFIX);
  const method = onWorkers ? label.slice(0, -WORKERS_SUFFIX.length) : label;
  if (method === '' || method === '+cgr') {
    throw new PerfOptionError('methods', label, 'a method label needs a method name');
  }
  const sets = [...methodLabelOverrides(method), `train.workers=${onWorkers ? 2 : 0}`];
  return resolveConfig(applyOverrides(base, sets), `method ${label}`);
}

/**
 * A method label with this suffix (`joint@workers`) times the trainer's two-worker step (`train.workers: 2`,
 * `@cs-dfd/training`'s `StepWorkers`); without it the step runs on the main thread (`train.workers: 0`).
 */
export const WORKERS_SUFFIX = '@workers';

/** `steps` timed steps of one method, run back to back. */
export interface RoundRun {
  method: string;
  steps: number;
  /** 0-based round. */
  round: number;
}

/**
 * The order the suite runs in: `ceil(steps / perRound)` rounds; in each, every method runs `perRound` steps (the
 * last round the remainder). The method order rotates by one each round, so no method always runs right after the
 * same neighbour (whose garbage or cache state it might inherit) or always first in a round.
 */
export function interleave(methods: readonly string[], steps: number, perRound: number): RoundRun[] {
  if (methods.length === 0) throw new PerfOptionError('methods', methods, 'must name at least one method');
  if (new Set(methods).size !== methods.length)
    throw new PerfOptionError('methods', methods, 'must not repeat a method');
  checkInt('steps', steps, 1);
  checkInt('round', perRound, 1);
  const runs: RoundRun[] = [];
  const rounds = Math.ceil(steps / perRound);
  for (let r = 0; r < rounds; r++) {
    const count = Math.min(perRound, steps - r * perRound);
    for (let i = 0; i < methods.length; i++)
      runs.push({ method: methods[(i + r) % methods.length]!, steps: count, round: r });
  }
  return runs;
}

/** Median wall times (ms) of the parts of a step, from `@cs-dfd/multitask`'s step timing. */
export interface StepParts {
  /** Per source: its forward + backward (with CGR: the backbone backward carrying its share of ∇L_cd). */
  per_source: number[];
  /** CGR only: the tape-free backbone forward over the whole batch that gives the features. */
  features: number;
  /** CGR only: L_cd and its cotangents on the head-only tape. */
  cgr_extra: number;
  /** Gram matrix, the method's K×K solve, and the combination d = Σ w_k g_k. */
  aggregate: number;
  /** Building the final update and the optimizer's `applyGradients`. */
  apply: number;
  /** The rest of `runStep`: uploading the batch, gathering the sub-batches, saving BatchNorm statistics. */
  other: number;
}

/** Timings of one method (ms per step). */
export interface MethodSamples {
  /** Wall time of each timed `runStep`. */
  ms: number[];
  /** The round of each of those steps (see {@link interleave}). */
  rounds: number[];
  /** The step's own timing of each of those steps. */
  parts: StepTimingSample[];
  /** Steps whose two source gradients had negative cosine (two-source methods). */
  conflicts: number;
  /** Growth of `tf.memory().numTensors` over the timed steps (0: nothing leaked). */
  tensorGrowth: number;
}

/** The parts of one step's timing the table reports. */
export interface StepTimingSample {
  total: number;
  perTask: number[];
  features: number;
  extra: number;
  aggregate: number;
  apply: number;
}

/** One method's row of the report. */
export interface MethodStepRow {
  method: string;
  steps: number;
  ms_median: number;
  ms_min: number;
  ms_max: number;
  /** Median step over `joint`'s median step; null when `joint` was not timed. */
  vs_joint: number | null;
  /**
   * The same ratio paired by round: per round, this method's median over `joint`'s median in that round; the
   * median of those. Load that drifts between rounds cancels out of it; null when `joint` was not timed.
   */
  vs_joint_paired: number | null;
  /** Issue #8's target for this ratio, when it has one. */
  target: number | null;
  /** `vs_joint <= target`; null without a target or without `joint`. */
  meets: boolean | null;
  /** Fraction of timed steps with cos(g_original, g_synthesized) < 0; null for one-source methods. */
  conflict_fraction: number | null;
  tensor_growth: number;
  parts: StepParts;
}

const median = (xs: readonly number[]): number => (xs.length === 0 ? 0 : summarize(xs).median);

/** Median over the rounds both ran of (median of `a`'s steps in the round) / (median of `b`'s). */
export function pairedRatio(a: MethodSamples, b: MethodSamples): number | null {
  const byRound = (s: MethodSamples) => {
    const m = new Map<number, number[]>();
    s.ms.forEach((ms, i) => {
      const r = s.rounds[i] ?? 0;
      m.set(r, [...(m.get(r) ?? []), ms]);
    });
    return m;
  };
  const ra = byRound(a);
  const rb = byRound(b);
  const ratios: number[] = [];
  for (const [r, xs] of ra) {
    const ys = rb.get(r);
    if (ys === undefined) continue;
    const den = median(ys);
    if (den > 0) ratios.push(median(xs) / den);
  }
  return ratios.length === 0 ? null : median(ratios);
}

/** Median of each part over the steps (medians do not add up to the median total exactly). */
export function stepParts(parts: readonly StepTimingSample[], wall: readonly number[]): StepParts {
  const K = Math.max(0, ...parts.map((p) => p.perTask.length));
  return {
    per_source: Array.from({ length: K }, (_, k) => median(parts.map((p) => p.perTask[k] ?? 0))),
    features: median(parts.map((p) => p.features)),
    cgr_extra: median(parts.map((p) => p.extra)),
    aggregate: median(parts.map((p) => p.aggregate)),
    apply: median(parts.map((p) => p.apply)),
    other: median(parts.map((p, i) => Math.max(0, (wall[i] ?? p.total) - p.total))),
  };
}

/**
 * Rows from per-method timings: median/min/max, the ratio of medians to `joint`, and whether each target is met.
 * Methods keep the order of `samples`; a method with no timed step is an error (its median would be undefined).
 */
export function methodRows(
  samples: ReadonlyMap<string, MethodSamples>,
  targets: Readonly<Record<string, number>> = STEP_TARGETS,
  sources: ReadonlyMap<string, number> = new Map(),
): MethodStepRow[] {
  for (const [method, s] of samples)
    if (s.ms.length === 0) throw new PerfOptionError('steps', 0, `method ${method} has no timed step`);
  const joint = samples.get('joint');
  const jointMedian = joint === undefined ? null : summarize(joint.ms).median;
  return [...samples].map(([method, s]) => {
    const { median: m, min, max } = summarize(s.ms);
    const vs = jointMedian === null || jointMedian <= 0 ? null : m / jointMedian;
    const target = targets[method] ?? null;
    const twoSources = (sources.get(method) ?? 2) >= 2;
    return {
      method,
      steps: s.ms.length,
      ms_median: m,
      ms_min: min,
      ms_max: max,
      vs_joint: vs,
      vs_joint_paired: joint === undefined ? null : pairedRatio(s, joint),
      target,
      meets: target === null || vs === null ? null : vs <= target,
      conflict_fraction: twoSources ? s.conflicts / s.ms.length : null,
      tensor_growth: s.tensorGrowth,
      parts: stepParts(s.parts, s.ms),
    };
  });
}

/** The target cell: `≤ 1.1: met` / `≤ 1.5: MISSED`, empty for methods without a target. */
export function targetCell(row: Pick<MethodStepRow, 'target' | 'meets'>): string {
  if (row.target === null) return '';
  if (row.meets === null) return `≤ ${row.target}: no joint row`;
  return `≤ ${row.target}: ${row.meets ? 'met' : 'MISSED'}`;
}

/** The main table: one row per method, in run order. */
export function methodTable(rows: readonly MethodStepRow[]): string {
  return markdownTable(
    [
      'method',
      'steps',
      'median (ms)',
      'min (ms)',
      'max (ms)',
      'vs joint',
      'vs joint, paired by round',
      'target (on vs joint)',
      'conflicting steps',
    ],
    rows.map((r) => [
      r.method,
      String(r.steps),
      fmt(r.ms_median, 1),
      fmt(r.ms_min, 1),
      fmt(r.ms_max, 1),
      r.vs_joint === null ? '-' : `${fmt(r.vs_joint, 2)}×`,
      r.vs_joint_paired === null ? '-' : `${fmt(r.vs_joint_paired, 2)}×`,
      targetCell(r),
      r.conflict_fraction === null ? '-' : `${Math.round(100 * r.conflict_fraction)}%`,
    ]),
  );
}

/** Where the time of each step goes (medians of the parts, ms). */
export function partsTable(rows: readonly MethodStepRow[]): string {
  return markdownTable(
    ['method', 'step', 'fwd+bwd per source', 'features fwd', 'CGR L_cd', 'aggregate', 'apply', 'other'],
    rows.map((r) => [
      r.method,
      fmt(r.ms_median, 1),
      r.parts.per_source.map((v) => fmt(v, 1)).join(' + '),
      fmt(r.parts.features, 1),
      fmt(r.parts.cgr_extra, 1),
      fmt(r.parts.aggregate, 1),
      fmt(r.parts.apply, 1),
      fmt(r.parts.other, 1),
    ]),
  );
}

/**
 * One fixed loader-shaped batch of `batchSize` reals and `batchSize` fakes per source, pixel values in [0, 1] as
 * the loader makes them. Each fake is its real's random texture shifted up by `shifts.original`
 * (original source) or down by `shifts.synthesized` (synthesized source), so "fake" means opposite things per source and the per-source gradients tend to point
 * apart (whether they do at a given step also depends on the weights; the suite reports the fraction of steps
 * that conflicted). Every Gram-space method pays the same G + solve + combine whatever the cosine, so the
 * timings do not hinge on it; the conflict matters for showing that the methods really change the update.
 */
export function conflictingBatch(
  size: number,
  batchSize: number,
  seed = 0,
  shifts: { original: number; synthesized: number } = { original: 0.25, synthesized: 0.25 },
): Batch {
  checkInt('size', size, 1);
  checkInt('batchSize', batchSize, 1);
  const rng = new Rng(seed);
  const per = size * size * 3;
  // Each fake is its real's texture shifted up (original) or down (synthesized): the sources differ in the
  // direction of the shift alone.
  const textures = Float32Array.from({ length: batchSize * per }, () => rng.uniform(0.25, 0.75));
  const sub = (source: 'original' | 'synthesized', shift: number): SubBatch => {
    const images = new Float32Array(2 * batchSize * per);
    images.set(textures, 0);
    for (let i = 0; i < batchSize * per; i++) images[batchSize * per + i] = textures[i]! + shift;
    return {
      source,
      images,
      shape: [2 * batchSize, size, size, 3],
      labels: Float32Array.from({ length: 2 * batchSize }, (_, i) => (i < batchSize ? 0 : 1)),
      kinds: Array.from({ length: 2 * batchSize }, (_, i) => (i < batchSize ? 'real' : source)),
      videoIds: Array.from({ length: 2 * batchSize }, (_, i) => `v${i % batchSize}`),
    };
  };
  return {
    step: 0,
    sources: {
      original: sub('original', shifts.original),
      synthesized: sub('synthesized', -shifts.synthesized),
    },
  };
}

/** A method ready to step: the trainer's detector, optimizer and packed batch for its plan. */
export interface PreparedMethod {
  readonly label: string;
  readonly config: TrainConfig;
  readonly plan: MethodPlan;
  readonly detector: Detector;
  readonly optimizer: tf.Optimizer;
  readonly data: StepData;
  /**
   * One `runStep`, or one `StepWorkers.step` for a `@workers` label (learning rate `optimizer.lr`, constant); `ms`
   * is its wall time.
   */
  step(): Promise<{ ms: number; result: StepResult; cosine: number | undefined }>;
  dispose(): Promise<void>;
}

/**
 * Builds a method's step exactly as the trainer's `train` does (detector from `config.seed`, so every method starts
 * from the same weights; `makeOptimizer`; `packBatch` of the plan's sources), without the data loader.
 */
export async function prepareMethod(
  label: string,
  base: TrainConfigInput,
  batch: Batch,
  backend = 'wasm',
): Promise<PreparedMethod> {
  const config = methodConfig(label, base);
  const plan = planMethod(config);
  const detector = createDetector({ seed: config.seed, ...config.detector } as Parameters<
    typeof createDetector
  >[0]);
  const workers =
    config.train.workers === 2 ? await StepWorkers.start(detector, plan, config, backend) : null;
  const optimizer = makeOptimizer(config);
  setLearningRate(optimizer, config.optimizer.lr);
  const data = packBatch(batch, plan, config);
  let step = 0;
  return {
    label,
    config,
    plan,
    detector,
    optimizer,
    data,
    async step() {
      const t0 = performance.now();
      const lr = config.optimizer.lr;
      const { record, result } =
        workers === null
          ? runStep(detector, optimizer, plan, config, data, step, lr)
          : await workers.step(optimizer, data, step, lr);
      const ms = performance.now() - t0;
      step++;
      return { ms, result, cosine: record.cosine };
    },
    async dispose() {
      await workers?.close();
      detector.dispose();
      optimizer.dispose();
    },
  };
}

/** Options of {@link methodStepSuite}. */
export interface MethodStepOptions {
  /** Method labels (see {@link methodConfig}). Default {@link STEP_METHODS}. */
  methods?: readonly string[];
  /** Timed steps per method. Default 30. */
  steps?: number;
  /** Untimed steps per method first (Adam's slots, wasm's first-call compilation, JIT). Default 2. */
  warmup?: number;
  /** Steps per method per interleaved round. Default 5. */
  round?: number;
  /**
   * Trainer configuration under every method (detector, `train.batchSize`, optimizer, CGR options, seed); the
   * method and `cgr.enabled` come from the label. Default `{}`: the trainer's defaults (small CNN at 64×64,
   * batch 8 reals + 8 fakes per source, Adam).
   */
  config?: TrainConfigInput;
  /** Backend (`@cs-dfd/backend` candidate). Default `wasm`, the backend this project's machines train on. */
  backend?: CandidateName;
  log?: (line: string) => void;
}

/** What {@link methodStepSuite} returns and `--json` writes. */
export interface MethodStepReport {
  machine: string;
  load_start: number[];
  load_end: number[];
  /** The batch every step sees: reals and fakes per source, input side. */
  batch: { reals: number; fakes: { original: number; synthesized: number }; size: number };
  rows: MethodStepRow[];
}

/** Times every method's trainer step, interleaved in rounds; see the module comment. */
export async function methodStepSuite(options: MethodStepOptions = {}): Promise<MethodStepReport> {
  const methods = options.methods ?? STEP_METHODS;
  const steps = checkInt('steps', options.steps ?? 30, 1);
  const warmup = checkInt('warmup', options.warmup ?? 2, 0);
  const perRound = checkInt('round', options.round ?? 5, 1);
  const runs = interleave(methods, steps, perRound);
  const base = options.config ?? {};
  const log = options.log ?? (() => {});
  // Every label is resolved before the backend starts, so a typo fails in milliseconds.
  const configs = methods.map((m) => methodConfig(m, base));
  for (const c of configs) checkWorkers(c, planMethod(c));

  const choice = await initBackend({ backend: options.backend ?? 'wasm' });
  const machine = machineLine(`${choice.name} (${choice.reason})`);
  const loadStart = loadavg();
  log(machine);

  const first = configs[0]!;
  const size = detectorInputSize(first);
  const batch = conflictingBatch(size, first.train.batchSize, first.seed);
  const prepared = new Map<string, PreparedMethod>();
  const samples = new Map<string, MethodSamples>(
    methods.map((m) => [m, { ms: [], rounds: [], parts: [], conflicts: 0, tensorGrowth: 0 }]),
  );
  try {
    for (const m of methods) prepared.set(m, await prepareMethod(m, base, batch, choice.name));
    for (const p of prepared.values()) for (let i = 0; i < warmup; i++) await p.step();
    for (const run of runs) {
      const p = prepared.get(run.method)!;
      const s = samples.get(run.method)!;
      const before = memory().numTensors;
      for (let i = 0; i < run.steps; i++) {
        const { ms, result, cosine } = await p.step();
        s.ms.push(ms);
        s.rounds.push(run.round);
        s.parts.push({ ...result.timing, perTask: [...result.timing.perTask] });
        if (cosine !== undefined && cosine < 0) s.conflicts++;
      }
      s.tensorGrowth += memory().numTensors - before;
      log(`  ${run.method}: ${s.ms.length}/${steps} steps, last ${fmt(s.ms.at(-1)!, 1)} ms`);
    }
  } finally {
    for (const p of prepared.values()) await p.dispose();
  }
  const sourceCounts = new Map([...prepared].map(([m, p]) => [m, p.plan.sources.length]));
  return {
    machine,
    load_start: loadStart,
    load_end: loadavg(),
    batch: {
      reals: first.train.batchSize,
      fakes: {
        original: fakesPerSource(first, 'original'),
        synthesized: fakesPerSource(first, 'synthesized'),
      },
      size,
    },
    rows: methodRows(samples, STEP_TARGETS, sourceCounts),
  };
}

/** The detector's input side for a config (the trainer's `detector.inputSize`; 64 for the default small CNN). */
export function detectorInputSize(config: TrainConfig): number {
  // Resolved like the trainer's checkConfig does: no weights are made, so no backend is needed.
  return resolveDetectorConfig({ seed: config.seed, ...config.detector } as Parameters<
    typeof resolveDetectorConfig
  >[0]).inputSize;
}
