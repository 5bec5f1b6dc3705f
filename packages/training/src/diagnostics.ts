/**
 * Large-batch gradient-conflict diagnostics (DESIGN §3.2): the cosine of the two sources' gradients on a large
 * batch, with each source's split-half self-cosine as its reliability and the cross cosine corrected for that
 * noise. A minibatch cosine's sign is mostly sampling noise; this is the periodic low-noise estimate beside the
 * per-step EMA cosine.
 *
 * The large batch is drawn like training batches (the same loader, packing and augmentation) but from a loader with
 * its own seed, and its chunks are loader steps that depend only on the training step at which the pass runs: the
 * training batches, the RNG, the weights, BatchNorm's moving statistics and hence checkpoint-resume identity are
 * untouched by it.
 *
 * BatchNorm: each chunk is one training-sized batch forwarded in training mode (batch statistics of that chunk, as
 * the steps do) without updating the moving statistics. The quantity being de-noised is the minibatch gradient the
 * optimizer follows, which is computed with batch statistics; inference-mode statistics would give the gradient of a
 * different function (and the moving averages lag the weights). So the large-batch gradient is the mean of chunk
 * gradients, i.e. an estimate of the expected training-step gradient, not the gradient of one 256-sample forward.
 */
import { type Batch, BatchLoader, type BatchLoaderOptions, type FakeSource } from '@cs-dfd/data';
import type { Detector } from '@cs-dfd/detectors';
import { GramianError } from '@cs-dfd/gramian';
import { disposeMaps, gramOfTensors } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from './config.js';
import type { MethodPlan } from './method.js';
import { fakesPerSource, packBatch, type StepData } from './step.js';

/** One `{"type":"diagnostics"}` line of log.jsonl (see the README's table). */
export interface DiagnosticsRecord {
  type: 'diagnostics';
  /** Completed training steps when the pass ran (the weights after step `step - 1`). */
  step: number;
  /** Chunks (training-sized batches) in the large batch: an even number, half of them in each split half. */
  chunks: number;
  /** Samples per source: its reals and its fakes, summed over the chunks. */
  samples: Record<string, number>;
  /** ||g_large|| per source (mean over the chunks of the mean-BCE gradient). */
  gradNorms: Record<string, number>;
  /** Split-half self-cosine cos(g_half1, g_half2) per source. */
  splitHalf: Record<string, number>;
  /** Spearman–Brown reliability of the whole large batch, 2r / (1 + r) for split-half r > 0, else 0. */
  reliability: Record<string, number>;
  /** cos(g_original_large, g_synthesized_large) (two sources only). */
  cosine?: number;
  /**
   * `cosine / sqrt(reliability_original · reliability_synthesized)` clipped to [-1, 1]; null when a reliability is 0
   * (no detectable signal to correct towards). Two sources only.
   */
  corrected?: number | null;
  /** Why no numbers: a non-finite gradient (the pass is then only logged). */
  reason?: string;
  /** Wall time of the pass (loading included). */
  ms: number;
}

/** Spearman–Brown step-up of a split-half correlation r to the whole (twice as long) batch: 2r / (1 + r), 0 for r ≤ 0. */
export function spearmanBrown(r: number): number {
  if (!(r > 0)) return 0;
  return Math.min(1, (2 * r) / (1 + r));
}

/**
 * Below this reliability a source's large-batch gradient is mostly noise: dividing by sqrt(ρ) then amplifies an
 * estimate that is itself noise (a split-half cosine of 0.004 turns a raw cosine of 0.35 into "1.000"), so
 * {@link correctedCosine} reports null instead. 0.2 = a split-half cosine of about 0.11.
 */
export const MIN_RELIABILITY = 0.2;

/**
 * The cross cosine corrected for attenuation by noise (Spearman's correction): with g = s + n and noise independent
 * across sources, cos(g_a, g_b) ≈ cos(s_a, s_b) · sqrt(ρ_a ρ_b), ρ = ||s||² / E||g||² the batch's reliability. So
 * cross / sqrt(ρ_a ρ_b), clipped to [-1, 1]; null when either reliability is below {@link MIN_RELIABILITY} (the
 * correction is then unstable) or the cosine is not finite. The two sources share their reals, whose noise is
 * common to both gradients, so the correction is approximate (it treats shared noise as signal in the cross term).
 */
export function correctedCosine(cross: number, relA: number, relB: number): number | null {
  if (!(relA >= MIN_RELIABILITY && relB >= MIN_RELIABILITY) || !Number.isFinite(cross)) return null;
  return Math.max(-1, Math.min(1, cross / Math.sqrt(relA * relB)));
}

/** cos from a Gram matrix entry and two diagonal entries, 0 when a norm is 0 (as `@cs-dfd/gramian`). */
function cosFrom(ab: number, aa: number, bb: number): number {
  const den = Math.sqrt(aa) * Math.sqrt(bb);
  return den > 0 ? Math.max(-1, Math.min(1, ab / den)) : 0;
}

/** The numbers of a finished accumulation (host float64). */
export interface LargeBatchResult {
  gradNorms: number[];
  splitHalf: number[];
  reliability: number[];
  /** Two sources only. */
  cosine?: number;
  corrected?: number | null;
}

/**
 * Sums per-source gradients of the current weights over chunks, in two split halves. The sums are float32
 * tensors (2 · sources copies of the parameters); nothing but the final Gram matrix is downloaded.
 */
export class LargeBatchAccumulator {
  /** sums[source][half]: variable name -> running sum (names are stable within the pass). */
  private readonly sums: (tf.NamedTensorMap | null)[][];
  private readonly counts = [0, 0];
  private disposed = false;

  constructor(
    private readonly detector: Detector,
    readonly sources: readonly string[],
  ) {
    this.sums = sources.map(() => [null, null]);
  }

  /** Chunks folded into each half so far. */
  get chunkCounts(): readonly [number, number] {
    return [this.counts[0]!, this.counts[1]!];
  }

  /**
   * Folds one packed chunk into `half`: per source, the gradient of the mean BCE on that source's rows (its reals
   * and fakes, as the step's sub-batch) in training mode without touching BatchNorm's moving statistics.
   */
  add(data: StepData, half: 0 | 1): void {
    if (this.disposed) throw new Error('LargeBatchAccumulator: used after dispose()');
    if (data.rows.length !== this.sources.length) {
      throw new Error(
        `LargeBatchAccumulator: the chunk has rows for ${data.rows.length} sources, the accumulator tracks ${this.sources.length} (${this.sources.join(', ')})`,
      );
    }
    const S = data.size;
    const vars = this.detector.trainableVariables();
    tf.tidy(() => {
      const x = tf.tensor4d(data.images, [data.labels.length, S, S, 3]);
      const y = tf.tensor1d(data.labels);
      this.sources.forEach((_, k) => {
        const idx = tf.tensor1d(data.rows[k]!, 'int32');
        const xs = tf.gather(x, idx) as tf.Tensor4D;
        const ys = tf.gather(y, idx) as tf.Tensor1D;
        const { value, grads } = tf.variableGrads(
          () => this.detector.loss(xs, ys, true, { updateStats: false }),
          vars,
        );
        value.dispose();
        const prev = this.sums[k]![half]!;
        const next: tf.NamedTensorMap = {};
        for (const v of vars) {
          const g = grads[v.name]!;
          next[v.name] = tf.keep(prev === null ? tf.clone(g) : tf.add(prev[v.name]!, g));
        }
        if (prev !== null) disposeMaps(prev);
        this.sums[k]![half] = next;
      });
    });
    this.counts[half] = this.counts[half]! + 1;
  }

  /**
   * The large-batch gradient of each source, keyed by variable name: the mean of all chunk gradients (new tensors,
   * the caller owns them).
   */
  meanGradients(): tf.NamedTensorMap[] {
    const n = this.counts[0]! + this.counts[1]!;
    if (n === 0) throw new Error('LargeBatchAccumulator: no chunks added');
    return this.sums.map((halves) => {
      const out: tf.NamedTensorMap = {};
      const keys = Object.keys((halves[0] ?? halves[1])!);
      for (const key of keys) {
        out[key] = tf.tidy(() => {
          const parts = halves.filter((h) => h !== null).map((h) => h![key]!);
          const sum = parts.length === 1 ? parts[0]! : tf.add(parts[0]!, parts[1]!);
          return tf.div(sum, n);
        });
      }
      return out;
    });
  }

  /**
   * Norms, split-half self-cosines, reliabilities and (two sources) the cross and corrected cosines, all from one
   * Gram matrix of the 2·K half sums, downloaded once and combined in float64. Both halves must have chunks.
   * A non-finite gradient throws `GramianError` code `non-finite`.
   */
  result(): LargeBatchResult {
    if (this.counts[0] === 0 || this.counts[1] === 0) {
      throw new Error(`LargeBatchAccumulator: both halves need chunks, got ${this.counts.join(' and ')}`);
    }
    const maps = this.sums.flatMap((h) => [h[0]!, h[1]!]);
    const n = maps.length;
    // Named so that a non-finite gradient's error says which source and half (and the variable) it came from.
    const G = gramOfTensors(
      maps,
      this.sources.flatMap((s) => [`${s}, split half 1`, `${s}, split half 2`]),
    );
    const at = (i: number, j: number) => G[i * n + j]!;
    // The whole-batch sum of source k is a_k + b_k (a, b its half sums at 2k, 2k + 1).
    const whole = (k: number, l: number) =>
      at(2 * k, 2 * l) + at(2 * k, 2 * l + 1) + at(2 * k + 1, 2 * l) + at(2 * k + 1, 2 * l + 1);
    const chunks = this.counts[0]! + this.counts[1]!;
    const K = this.sources.length;
    const gradNorms: number[] = [];
    const splitHalf: number[] = [];
    const reliability: number[] = [];
    for (let k = 0; k < K; k++) {
      gradNorms.push(Math.sqrt(Math.max(0, whole(k, k))) / chunks);
      const r = cosFrom(at(2 * k, 2 * k + 1), at(2 * k, 2 * k), at(2 * k + 1, 2 * k + 1));
      splitHalf.push(r);
      reliability.push(spearmanBrown(r));
    }
    const out: LargeBatchResult = { gradNorms, splitHalf, reliability };
    if (K === 2) {
      out.cosine = cosFrom(whole(0, 1), whole(0, 0), whole(1, 1));
      out.corrected = correctedCosine(out.cosine, reliability[0]!, reliability[1]!);
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const halves of this.sums) for (const h of halves) if (h !== null) disposeMaps(h);
  }
}

/** Large-batch settings after the defaults: how often, and how many chunks. */
export interface LargeBatchPlan {
  /** Every this many steps (and at the last step); 0 = off. */
  every: number;
  /** Chunks per pass (even, ≥ 2), each a training-sized loader batch. */
  chunks: number;
}

/**
 * `diagnostics.largeBatchEvery` and the chunk count for `diagnostics.largeBatchSize`
 * samples per source: a chunk gives each source its training sub-batch (`train.batchSize` reals plus its fakes at
 * its `sources` ratio), so ceil(size / smallest sub-batch) chunks, rounded up to an even number so that the split
 * halves are equal. With the defaults (batch 8, ratios 1) a sub-batch is 16 samples and 128 samples are 8 chunks.
 */
export function largeBatchPlan(
  config: TrainConfig,
  sources: readonly FakeSource[] = FAKE_SOURCES,
): LargeBatchPlan {
  const every = config.diagnostics.largeBatchEvery;
  const perChunk = Math.min(...sources.map((s) => config.train.batchSize + fakesPerSource(config, s)));
  const chunks = 2 * Math.ceil(config.diagnostics.largeBatchSize / (2 * perChunk));
  return { every, chunks };
}

const FAKE_SOURCES: readonly FakeSource[] = ['original', 'synthesized'];

/** True when a pass runs after `done` of `total` steps. */
export function largeBatchDue(plan: LargeBatchPlan, done: number, total: number): boolean {
  return plan.every > 0 && (done % plan.every === 0 || done === total);
}

/**
 * The diagnostics loader's seed: a fixed scramble of the run's seed, so the large batches are a reproducible stream
 * of their own, not the training batches.
 */
export function diagnosticsSeed(seed: number): number {
  return (seed ^ 0x6a09e667) >>> 0;
}

/** The loader steps of the pass after `done` training steps: `chunks` steps of their own from done · chunks. */
export function largeBatchSteps(plan: LargeBatchPlan, done: number): number[] {
  return Array.from({ length: plan.chunks }, (_, c) => done * plan.chunks + c);
}

/** A loader for the diagnostics: the training loader's options with {@link diagnosticsSeed} and no prefetch. */
export function diagnosticsLoader(options: BatchLoaderOptions): BatchLoader {
  return new BatchLoader({ ...options, seed: diagnosticsSeed(options.seed), prefetch: 0 });
}

/**
 * One diagnostics pass after `done` steps: loads the chunks (two decoding ahead while the current one is
 * differentiated), accumulates, and returns the log record. The first half of the chunks is split half 1.
 */
export async function largeBatchDiagnostics(
  detector: Detector,
  plan: MethodPlan,
  config: TrainConfig,
  loader: BatchLoader,
  schedule: LargeBatchPlan,
  done: number,
): Promise<DiagnosticsRecord> {
  const started = performance.now();
  const steps = largeBatchSteps(schedule, done);
  const acc = new LargeBatchAccumulator(detector, plan.sources);
  const samples: Record<string, number> = Object.fromEntries(plan.sources.map((s) => [s, 0]));
  const pending: Promise<Batch>[] = [];
  try {
    // Two chunks decode ahead, as the training loader's prefetch, while the current one is differentiated.
    const load = (s: number) => {
      const p = loader.build(s);
      // A chunk that fails while an earlier one is awaited must not be an unhandled rejection; awaiting `p` below
      // still throws its error.
      p.catch(() => {});
      pending.push(p);
    };
    for (const s of steps.slice(0, 2)) load(s);
    for (let c = 0; c < steps.length; c++) {
      const batch = await pending.shift()!;
      if (c + 2 < steps.length) load(steps[c + 2]!);
      const data = packBatch(batch, plan, config);
      plan.sources.forEach((s, k) => {
        samples[s] = samples[s]! + data.rows[k]!.length;
      });
      acc.add(data, c < steps.length / 2 ? 0 : 1);
    }
    const record: DiagnosticsRecord = {
      type: 'diagnostics',
      step: done,
      chunks: steps.length,
      samples,
      gradNorms: {},
      splitHalf: {},
      reliability: {},
      ms: 0,
    };
    try {
      const r = acc.result();
      plan.sources.forEach((s: FakeSource, k) => {
        record.gradNorms[s] = r.gradNorms[k]!;
        record.splitHalf[s] = r.splitHalf[k]!;
        record.reliability[s] = r.reliability[k]!;
      });
      if (r.cosine !== undefined) record.cosine = r.cosine;
      if (r.corrected !== undefined) record.corrected = r.corrected;
    } catch (e) {
      if (!(e instanceof GramianError)) throw e;
      record.reason = e.message;
    }
    record.ms = performance.now() - started;
    return record;
  } finally {
    acc.dispose();
  }
}

/**
 * The progress line of a pass, e.g. `step 100: large-batch cos 0.412 (corrected 0.530), split-half 0.71/0.88
 * (6.0 s)`.
 */
export function diagnosticsSummary(d: DiagnosticsRecord): string {
  if (d.reason !== undefined) return `step ${d.step}: large-batch diagnostics not finite (${d.reason})`;
  const corrected =
    d.corrected === undefined ? '' : ` (corrected ${d.corrected === null ? 'n/a' : d.corrected.toFixed(3)})`;
  const cos = d.cosine === undefined ? '' : ` cos ${d.cosine.toFixed(3)}${corrected},`;
  const halves = Object.values(d.splitHalf)
    .map((r) => r.toFixed(2))
    .join('/');
  return `step ${d.step}: large-batch${cos} split-half ${halves} (${(d.ms / 1000).toFixed(1)} s)`;
}
