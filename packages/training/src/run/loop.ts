/**
 * The step loop with its periodic work: validation and model selection (`best/`), the large-batch diagnostics
 * passes, and resumable checkpoints (`checkpoint/`).
 */
import { join } from 'node:path';
import { BatchLoader, type BatchLoaderOptions, poolSynthesizer, sbiSynthesizer } from '@cs-dfd/data';
import { saveDetector } from '@cs-dfd/detectors';
import { type SelfBlendOptions, SynthesisPool } from '@cs-dfd/forgery';
import type { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { saveCheckpoint, type TrainerState } from '../checkpoint.js';
import type { TrainConfig } from '../config.js';
import {
  diagnosticsLoader,
  type LargeBatchPlan,
  largeBatchDiagnostics,
  largeBatchDue,
  largeBatchPlan,
} from '../diagnostics.js';
import { type DecodedSplit, scoreImages, splitMetrics } from '../evaluation.js';
import { learningRate, packBatch, runStep, setLearningRate } from '../step.js';
import { resolveWorkers, StepWorkers } from '../step-workers.js';
import type { TrainEmitter } from './events.js';
import type { TrainHooks } from './listeners.js';
import type { MemoryWatch } from './memory.js';
import type { RunModel, RunSetup } from './setup.js';

/** What the loop works with besides the setup and the model. */
export interface LoopContext {
  setup: RunSetup;
  model: RunModel;
  /** The validation split, decoded once (also used by the final evaluation). */
  val: DecodedSplit;
  /** The run's RNG (its state is checkpointed). */
  rng: Rng;
  events: TrainEmitter;
  hooks: TrainHooks;
  memory: MemoryWatch;
}

/** `selfBlend`'s options from `data.sbi` (absent keys keep SBI's published values). */
export function sbiOptions(config: TrainConfig): SelfBlendOptions {
  const { sharpenProbability } = config.data.sbi;
  return sharpenProbability === undefined ? {} : { sourceTarget: { sharpenProbability } };
}

/** The loader options of a run's training batches (also the diagnostics loader's, with its own seed). */
export function loaderOptions(
  setup: RunSetup,
  imageSize: number,
  pool: SynthesisPool | null,
): BatchLoaderOptions {
  const { config, plan, data } = setup;
  const usesSbi = plan.sources.includes('synthesized');
  return {
    records: data.train,
    batchSize: config.train.batchSize,
    imageSize,
    seed: config.seed,
    sources: plan.sources,
    ...(usesSbi
      ? { synthesize: pool === null ? sbiSynthesizer(sbiOptions(config)) : poolSynthesizer(pool) }
      : {}),
    ...(config.data.augment ? {} : { augment: false as const }),
    onBadSample: config.data.onBadSample,
  };
}

/**
 * Validates on `val` and keeps the weights when this validation is the best so far (higher AUC; a finite AUC
 * beats NaN), then emits the `eval` event.
 */
export async function validate(ctx: LoopContext, done: number): Promise<void> {
  const { config, out } = ctx.setup;
  const { detector, state } = ctx.model;
  const size = detector.config.inputSize;
  const t0 = performance.now();
  const scores = scoreImages(detector, ctx.val.images, size, config.eval.batchSize);
  const m = splitMetrics(ctx.val, scores);
  const tSave = performance.now();
  const better =
    state.bestVal === null ||
    m.auc > state.bestVal.auc ||
    (Number.isNaN(state.bestVal.auc) && !Number.isNaN(m.auc));
  if (better) {
    state.bestVal = { step: done, auc: m.auc };
    await saveDetector(detector, join(out, 'best'));
  }
  const t1 = performance.now();
  await ctx.events.emit({
    type: 'eval',
    split: 'val',
    step: done,
    metrics: m,
    best: better,
    timing: { ms: t1 - t0, saveMs: t1 - tSave },
  });
}

/**
 * Adds the loaders' skipped samples to the state's (which a resume carries over), each file once; the field stays
 * absent while nothing was skipped, so a clean run's state is unchanged by it.
 */
function recordSkips(state: TrainerState, loaders: readonly (BatchLoader | null)[]): void {
  const all = [...(state.skippedSamples ?? []), ...loaders.flatMap((l) => l?.skipped.items ?? [])];
  if (all.length === 0) return;
  state.skippedSamples = [...new Map(all.map((s) => [`${s.file}\u0000${s.code}`, s])).values()];
}

/** Saves the weights, optimizer, RNG, loader position and aggregator state after `done` steps. */
export async function checkpoint(
  ctx: LoopContext,
  done: number,
  loaders: { train: BatchLoader; diagnostics: BatchLoader | null },
  trainMs: number,
): Promise<void> {
  const { out, plan } = ctx.setup;
  const { detector, optimizer, state, emaCosine } = ctx.model;
  const t0 = performance.now();
  state.step = done;
  state.loaderStep = loaders.train.step;
  recordSkips(state, [loaders.train, loaders.diagnostics]);
  state.rng = ctx.rng.state();
  state.seconds += trainMs / 1000;
  state.aggregator = plan.aggregator.exportState?.() ?? null;
  const parts = await saveCheckpoint(
    out,
    detector,
    optimizer,
    state,
    emaCosine === undefined ? {} : { emaCosine },
  );
  await ctx.events.emit({
    type: 'checkpoint',
    step: done,
    folder: join(out, 'checkpoint'),
    timing: { ms: performance.now() - t0, ...parts },
  });
}

/** Runs the steps from `state.step` to `train.steps`, with validation, diagnostics and checkpoints on schedule. */
export async function runLoop(ctx: LoopContext): Promise<void> {
  const { config, plan } = ctx.setup;
  const { detector, optimizer, state, emaCosine } = ctx.model;
  const { events, hooks, memory } = ctx;
  const usesSbi = plan.sources.includes('synthesized');
  const pool =
    usesSbi && config.data.sbiWorkers > 0
      ? new SynthesisPool({ size: config.data.sbiWorkers, options: sbiOptions(config) })
      : null;
  const options = loaderOptions(ctx.setup, detector.config.inputSize, pool);
  const loader = new BatchLoader(options, state.loaderStep);
  const largeBatch: LargeBatchPlan = largeBatchPlan(config, plan.sources);
  const diagLoader = largeBatch.every > 0 ? diagnosticsLoader(options) : null;
  const total = config.train.steps;
  let trainMs = 0;
  const choice = resolveWorkers(config, plan, ctx.setup.backend.name);
  await events.emit({ type: 'message', text: `step workers: ${choice.workers} (${choice.reason})` });
  let workers: StepWorkers | null = null;
  events.takeListenerMs();
  try {
    // inside the try: a failed start must still close the SBI pool below
    if (choice.workers > 0) workers = await StepWorkers.start(detector, plan, config, ctx.setup.backend.name);
    for (let step = state.step; step < total; step++) {
      const tWait = performance.now();
      const batch = await loader.next();
      const t0 = performance.now();
      const packed = packBatch(batch, plan, config);
      const packMs = performance.now() - t0;
      hooks.beforeStep?.(step, packed);
      const lr = learningRate(config, step);
      setLearningRate(optimizer, lr);
      const stepOptions = emaCosine === undefined ? {} : { emaCosine };
      const { record } = await memory.step(step, () =>
        workers === null
          ? runStep(detector, optimizer, plan, config, packed, step, lr, stepOptions)
          : workers.step(optimizer, packed, step, lr, stepOptions),
      );
      const computeMs = performance.now() - t0;
      trainMs += computeMs;
      memory.sample();
      memory.tensorsAfterStep.push(tf.memory().numTensors);
      if (record.skipped) {
        state.skippedSteps++;
        state.consecutiveSkips++;
      } else {
        state.consecutiveSkips = 0;
      }
      const done = step + 1;
      await events.emit({
        type: 'step',
        done,
        totalSteps: total,
        record,
        timing: { dataMs: t0 - tWait, computeMs, packMs, listenersMs: events.takeListenerMs() },
        skippedSteps: state.skippedSteps,
        consecutiveSkips: state.consecutiveSkips,
      });
      if (
        config.train.maxConsecutiveSkips > 0 &&
        state.consecutiveSkips >= config.train.maxConsecutiveSkips
      ) {
        throw new Error(
          `${state.consecutiveSkips} consecutive steps were not finite; last: ${record.reason}`,
        );
      }
      if (done % config.train.evalEvery === 0 || done === total) await validate(ctx, done);
      if (diagLoader !== null && largeBatchDue(largeBatch, done, total)) {
        const d = await largeBatchDiagnostics(detector, plan, config, diagLoader, largeBatch, done);
        await events.emit({ type: 'diagnostics', record: d });
      }
      if (done % config.train.checkpointEvery === 0 || done === total) {
        await checkpoint(ctx, done, { train: loader, diagnostics: diagLoader }, trainMs);
        trainMs = 0;
      }
    }
  } finally {
    // prefetched steps must settle before their workers go
    await loader.drain();
    await pool?.close();
    await workers?.close();
    emaCosine?.dispose();
    recordSkips(state, [loader, diagLoader]);
  }
  await events.emit({ type: 'loop-end', totalSteps: total, skippedSteps: state.skippedSteps });
}
