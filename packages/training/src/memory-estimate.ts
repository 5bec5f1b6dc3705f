/**
 * Peak tensor memory of a run, estimated before any data is read, and the check that refuses a batch size that
 * cannot fit (issue #19).
 *
 * Why a probe rather than a per-layer formula: the peak of a step depends on which activations each backbone's
 * kernels keep for the backward pass, on the method (disjoint: one forward+backward per source sub-batch with every
 * source's gradients held for the aggregator; CGR: the merged batch and its extra pass), on the optimizer's slots,
 * and on what the backend allocates — four backbones times every method would be a second implementation of each to
 * keep in step. Instead a throwaway detector of the same config takes real steps (the trainer's own `runStep`, the
 * large-batch accumulator, `predict`) on synthetic batches of 1 and 2 reals under `tf.profile`, whose `peakBytes` is
 * the engine's byte count after every kernel. Tensor memory is affine in the batch rows (every activation is
 * rows × a per-sample shape; parameters, optimizer slots, gradients and EMAs do not depend on rows), so two probes
 * fix the line and the estimate at the configured sizes is its extrapolation. The test suite checks it against
 * the measured peak of real steps at larger batches (an upper bound within a stated factor).
 */
import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { createDetector, type Detector } from '@cs-dfd/detectors';
import { EmaCosineTracker } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, detectorSetup, type TrainConfig } from './config.js';
import { LargeBatchAccumulator } from './diagnostics.js';
import type { MethodPlan } from './method.js';
import { makeOptimizer } from './optimizer.js';
import { fakesPerSource, runStep, type StepData } from './step.js';

/**
 * tfjs-backend-wasm's heap ceiling: wasm32 addresses 4 GiB and its Emscripten build grows the heap up to
 * `getHeapMax()` = 4294901760 bytes (4 GiB − 64 KiB); every tensor of the wasm backend lives in that heap.
 */
export const WASM_HEAP_MAX = 4294901760;

/** A memory estimate of one phase: bytes of live tensors at its peak. */
export interface PhaseEstimate {
  /** The config key whose value drives the phase's size. */
  key: 'train.batchSize' | 'eval.batchSize';
  value: number;
  /** What the phase is, for messages. */
  phase: string;
  bytes: number;
}

/** The run's estimated peaks (bytes of tensors, the run's resident state included). */
export interface MemoryEstimate {
  /** One training step at `train.batchSize`. */
  step: PhaseEstimate;
  /** One evaluation batch at `eval.batchSize` (two detectors resident: the trained one and `best/`). */
  eval: PhaseEstimate;
  /** One large-batch diagnostics chunk (a training-sized batch) with its 2 · sources gradient sums; null when off. */
  diagnostics: PhaseEstimate | null;
  /** Bytes of the trainable parameters. */
  parameterBytes: number;
  /** Wall time of the probes. */
  probeMs: number;
}

/** Rows of a step (or chunk) with `reals` reals: the shared reals once, then each source's fakes. */
export function stepRows(config: TrainConfig, plan: MethodPlan, reals: number): number {
  const at = { ...config, train: { ...config.train, batchSize: reals } };
  return reals + plan.sources.reduce((n, s) => n + fakesPerSource(at, s), 0);
}

/** A synthetic packed batch shaped as `packBatch` makes it: `reals` reals, then each source's fakes. */
export function syntheticStep(config: TrainConfig, plan: MethodPlan, size: number, reals: number): StepData {
  const at = { ...config, train: { ...config.train, batchSize: reals } };
  const counts = plan.sources.map((s) => fakesPerSource(at, s));
  const n = reals + counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(n * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = ((i * 2654435761) % 1000) / 1000;
  const labels = new Float32Array(n);
  const rows: number[][] = [];
  let next = reals;
  for (const c of counts) {
    labels.fill(1, next, next + c);
    rows.push([
      ...Array.from({ length: reals }, (_, i) => i),
      ...Array.from({ length: c }, (_, i) => next + i),
    ]);
    next += c;
  }
  return { images, size, reals, rows, labels };
}

/** Peak tensor bytes above `base` while `fn` runs (tf.profile's peak: the engine's bytes after every kernel). */
async function peakAbove(base: number, fn: () => void): Promise<number> {
  const info = await tf.profile(fn);
  return Math.max(info.peakBytes, tf.memory().numBytes) - base;
}

/** The affine extrapolation through (x1, y1) and (x2, y2) at x. */
function extrapolate(x1: number, y1: number, x2: number, y2: number, x: number): number {
  const slope = Math.max(0, (y2 - y1) / (x2 - x1));
  return y1 + slope * (x - x1);
}

/**
 * Estimates the run's peak tensor memory (see the module comment) with a throwaway detector of `config`, which is
 * disposed before returning. Needs the backend initialised; reads no data.
 */
export async function estimateRunMemory(config: TrainConfig, plan: MethodPlan): Promise<MemoryEstimate> {
  const started = performance.now();
  const options = detectorSetup(config).options as Parameters<typeof createDetector>[0];
  const base = tf.memory().numBytes;
  const detector: Detector = createDetector(options);
  // the detector lets optimizer.backboneLrFactor < 1 split its variables into the same groups as the run's
  const optimizer = makeOptimizer(config, detector);
  const tracker = plan.sources.length === 2 ? new EmaCosineTracker(config.diagnostics.emaBeta) : undefined;
  const stepOptions = tracker === undefined ? {} : { emaCosine: tracker };
  const size = detector.config.inputSize;
  const lr = config.optimizer.lr;
  const trainReals = config.train.batchSize;
  try {
    const parameterBytes = detector.trainableVariables().reduce((n, v) => n + v.size * 4, 0);
    // A first step creates the optimizer's slots and the EMAs, resident from then on.
    runStep(detector, optimizer, plan, config, syntheticStep(config, plan, size, 1), 0, lr, stepOptions);
    const stepPeak = async (reals: number) => {
      const data = syntheticStep(config, plan, size, reals);
      return peakAbove(base, () => {
        runStep(detector, optimizer, plan, config, data, 1, lr, stepOptions);
      });
    };
    const [r1, r2] = [stepRows(config, plan, 1), stepRows(config, plan, 2)];
    const s1 = await stepPeak(1);
    const s2 = await stepPeak(2);
    const stepBytes = extrapolate(r1, s1, r2, s2, stepRows(config, plan, trainReals));

    const evalPeak = (n: number) => {
      const x = tf.tensor4d(new Float32Array(n * size * size * 3).fill(0.5), [n, size, size, 3]);
      return peakAbove(base, () => {
        tf.dispose(detector.predict(x));
      }).finally(() => x.dispose());
    };
    const e1 = await evalPeak(1);
    const e2 = await evalPeak(2);
    const evalSize = config.eval.batchSize;
    // The final evaluation may hold `best/` beside the trained detector: one more set of parameters and statistics.
    const detectorBytes = [...detector.trainableVariables(), ...detector.stateVariables()].reduce(
      (n, v) => n + v.size * 4,
      0,
    );
    const evalBytes = extrapolate(1, e1, 2, e2, evalSize) + detectorBytes;

    let diagnostics: PhaseEstimate | null = null;
    if (config.diagnostics.largeBatchEvery > 0) {
      const chunkPeak = async (reals: number) => {
        const acc = new LargeBatchAccumulator(detector, plan.sources);
        const data = syntheticStep(config, plan, size, reals);
        try {
          return await peakAbove(base, () => {
            acc.add(data, 0);
            acc.add(data, 1);
          });
        } finally {
          acc.dispose();
        }
      };
      const d1 = await chunkPeak(1);
      const d2 = await chunkPeak(2);
      diagnostics = {
        key: 'train.batchSize',
        value: trainReals,
        phase: 'a large-batch diagnostics chunk (diagnostics.largeBatchEvery=0 turns them off)',
        bytes: extrapolate(r1, d1, r2, d2, stepRows(config, plan, trainReals)),
      };
    }
    return {
      step: { key: 'train.batchSize', value: trainReals, phase: 'a training step', bytes: stepBytes },
      eval: { key: 'eval.batchSize', value: evalSize, phase: 'an evaluation batch', bytes: evalBytes },
      diagnostics,
      parameterBytes,
      probeMs: performance.now() - started,
    };
  } finally {
    detector.dispose();
    optimizer.dispose();
    // tfjs's MomentumOptimizer.dispose() leaves the learning-rate scalar `c` of its SGD base class.
    const c = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (c !== undefined && !c.isDisposed) c.dispose();
    tracker?.dispose();
  }
}

/** Memory a run may use, and where the figure comes from. */
export interface MemoryLimit {
  bytes: number;
  source: string;
}

/** A cgroup's remaining memory (v2 `memory.max − memory.current`, else v1), or undefined without a limit. */
export function cgroupRemaining(
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): number | undefined {
  const attempt = (max: string, current: string): number | undefined => {
    try {
      const m = read(max).trim();
      if (m === 'max') return undefined;
      const limit = Number(m);
      // v1 reports "no limit" as a huge page-rounded number.
      if (!Number.isFinite(limit) || limit >= 2 ** 60) return undefined;
      return Math.max(0, limit - Number(read(current).trim()));
    } catch {
      return undefined;
    }
  };
  return (
    attempt('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.current') ??
    attempt('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.usage_in_bytes')
  );
}

/**
 * What tensors may take on `backendName` (tfjs's name: `wasm`, `tensorflow`, `cpu`): the machine's available
 * memory (`os.freemem()`, Linux's MemAvailable) or the cgroup's remaining memory, whichever is smaller; on wasm
 * also the 4 GiB heap ceiling less the heap bytes tensors already use.
 */
export function memoryLimit(backendName: string, cgroup = cgroupRemaining()): MemoryLimit {
  let bytes = freemem();
  let source = `available system memory (os.freemem(), of ${gib(totalmem())} total)`;
  if (cgroup !== undefined && cgroup < bytes) {
    bytes = cgroup;
    source = 'the cgroup memory limit less its current use';
  }
  if (backendName === 'wasm') {
    const heap = WASM_HEAP_MAX - tf.memory().numBytes;
    if (heap < bytes) {
      bytes = heap;
      source = 'the wasm backend heap limit (wasm32: 4 GiB)';
    }
  }
  return { bytes, source };
}

/** `n` bytes in GiB with two decimals (MiB below 1 GiB). */
export function gib(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Refuses (a {@link ConfigError} naming the key, the estimate and the limit) when a phase's estimated peak exceeds
 * the limit. The first such phase is named, in the order training step, evaluation batch, diagnostics chunk: a
 * step that does not fit is the problem to name even when a diagnostics chunk (larger still) would not fit either.
 */
export function checkMemoryFits(estimate: MemoryEstimate, limit: MemoryLimit): void {
  const over = [estimate.step, estimate.eval, estimate.diagnostics].find(
    (p): p is PhaseEstimate => p !== null && p.bytes > limit.bytes,
  );
  if (over === undefined) return;
  throw new ConfigError(
    `config: ${over.key}=${over.value} cannot fit in memory: ${over.phase} needs about ${gib(over.bytes)} of tensors (estimated), more than the ${gib(limit.bytes)} of ${limit.source}; lower ${over.key}`,
    over.key,
    over.value,
  );
}

/** The estimate in one line (the run's start message). */
export function memoryText(estimate: MemoryEstimate): string {
  const parts = [estimate.step, estimate.eval, estimate.diagnostics]
    .filter((p): p is PhaseEstimate => p !== null)
    .map((p) => `${p.phase.split(' (')[0]} ${gib(p.bytes)}`);
  return `${parts.join(', ')} (parameters ${gib(estimate.parameterBytes)})`;
}
