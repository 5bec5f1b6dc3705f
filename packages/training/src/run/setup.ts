/**
 * The run's first phases: check the config, start the backend, read the data (setup), then build the detector or
 * restore it with the optimizer and trainer state from `out/checkpoint` (start or resume).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BackendChoice, initBackend } from '@cs-dfd/backend';
import { DataError } from '@cs-dfd/data';
import {
  createDetector,
  type Detector,
  loadDetector,
  loadTorchWeights,
  resolveConfig as resolveDetector,
} from '@cs-dfd/detectors';
import { EmaCosineTracker } from '@cs-dfd/gramian/tfjs';
import { writeFileAtomic } from '@cs-dfd/plots';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKPOINT_VERSION, loadCheckpoint, type TrainerState } from '../checkpoint.js';
import {
  ConfigError,
  detectorSetup,
  diffConfigs,
  hashOf,
  identityConfig,
  type TrainConfig,
} from '../config.js';
import { type Datasets, loadDatasets } from '../dataset.js';
import { checkDecodable } from '../evaluation.js';
import {
  checkMemoryFits,
  estimateRunMemory,
  gib,
  type MemoryEstimate,
  memoryLimit,
  memoryText,
} from '../memory-estimate.js';
import { type MethodPlan, planMethod } from '../method.js';
import { makeOptimizer } from '../optimizer.js';
import { checkWorkers } from '../step-workers.js';
import type { TrainEmitter } from './events.js';
import { startLog, truncateLog } from './log-file.js';

/**
 * The config hash a checkpoint must match: everything but the step budget, which a resume may extend, and the
 * `diagnostics` section, which only observes (it changes no weight, batch or RNG draw; a different `emaBeta` is
 * refused by the checkpoint's EMA check instead). Leaving the section out also keeps checkpoints written before it
 * existed resumable, as {@link identityConfig} does for keys added later (at their neutral value, or execution-only
 * like `train.workers`).
 */
export function resumeHash(config: TrainConfig): string {
  const identity = identityConfig(config) as TrainConfig;
  const { epochs: _epochs, ...train } = identity.train;
  const { diagnostics: _diagnostics, ...rest } = identity;
  // where the dataset cache lives is not what was trained (its folder name carries the data's own hash)
  const { cacheDir: _where, ...faceworld } = rest.data.faceworld;
  return hashOf({ ...rest, data: { ...rest.data, faceworld }, train: { ...train, steps: 0 } });
}

/** Validates the parts of the config whose owners validate them (detector, method), before any slow work. */
export function checkConfig(config: TrainConfig): void {
  planMethod(config);
  const { options } = detectorSetup(config);
  try {
    resolveDetector(options as Parameters<typeof resolveDetector>[0]);
  } catch (e) {
    throw new ConfigError(`config: detector: ${(e as Error).message}`, 'detector', config.detector);
  }
}

/** `train.steps` after `train.epochs` (when given) is turned into steps over `reals` training reals. */
export function stepsFor(config: TrainConfig, reals: number): number {
  const { epochs, batchSize, steps } = config.train;
  return epochs === undefined ? steps : Math.max(1, Math.ceil((epochs * reals) / batchSize));
}

/** What the setup phase gives the rest of the run. */
export interface RunSetup {
  /** The config with `train.steps` fixed (written to `out/config.json` once the run starts or resumes). */
  config: TrainConfig;
  out: string;
  plan: MethodPlan;
  backend: BackendChoice;
  data: Datasets;
  /** The estimated peak tensor memory ({@link estimateRunMemory}), checked against the limit before the data. */
  memory: MemoryEstimate;
}

/** Checks the config, starts the backend, reads (or generates) the data. */
export async function setupRun(config: TrainConfig, out: string, events: TrainEmitter): Promise<RunSetup> {
  checkConfig(config);
  const plan = planMethod(config);
  checkWorkers(config, plan);
  const backend: BackendChoice = await initBackend(
    config.backend === 'auto' ? {} : { backend: config.backend },
  );
  await events.emit({ type: 'setup', out, backend });
  await events.emit({ type: 'message', text: `backend: ${backend.name} (${backend.reason})` });
  // Before any data work: a batch size that cannot fit is refused with the estimate, not found out mid-run.
  const memory = await estimateRunMemory(config, plan);
  const limit = memoryLimit(tf.getBackend());
  checkMemoryFits(memory, limit);
  await events.emit({
    type: 'message',
    text: `memory estimate: ${memoryText(memory)}; limit ${gib(limit.bytes)} (${limit.source}); probed in ${Math.round(memory.probeMs)} ms`,
  });
  await mkdir(out, { recursive: true });

  // Generation reports progress synchronously; its events are chained so that each is awaited, in order.
  let pending: Promise<void> = Promise.resolve();
  const data = await loadDatasets(config, (done, total) => {
    pending = pending.then(() => events.emit({ type: 'data-progress', done, total }));
  });
  await pending;
  await events.emit({
    type: 'data',
    dataset: data.description,
    trainFrames: data.train.length,
    generationSeconds: data.generationSeconds,
  });
  // Every test split decodes now, before training: a bad frame there must not end the run after all its steps.
  const inputSize = resolveDetector(
    detectorSetup(config).options as Parameters<typeof resolveDetector>[0],
  ).inputSize;
  for (const split of data.eval) {
    if (split.role === 'val') continue; // decoded (with the same policy) right before the first step
    const records = await checkDecodable(split.records, inputSize, {
      onBadSample: config.data.onBadSample,
      skipped: split.skipped,
    });
    if (records.length === 0) {
      throw new DataError('empty-split', `split ${split.name}: every sample was skipped as bad`);
    }
    split.records = records;
  }
  const reals = data.train.filter((r) => r.kind === 'real').length;
  const fixed = { ...config, train: { ...config.train, steps: stepsFor(config, reals) } };
  return { config: fixed, out, plan, backend, data, memory };
}

/** Written only once the run is known to start or resume, so a refused resume leaves the run's own config. */
const writeConfig = (out: string, config: TrainConfig) =>
  writeFileAtomic(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

/** The model and trainer state the step loop starts from. */
export interface RunModel {
  detector: Detector;
  optimizer: tf.Optimizer;
  state: TrainerState;
  /** The gradient-EMA tracker behind the log's `emaCosine` (two sources only). */
  emaCosine: EmaCosineTracker | undefined;
  /** The checkpoint folder a resumed run continued from. */
  resumedFrom?: string;
}

/** `: key: old -> new; ...` against the run's `config.json`, or '' when that cannot be read. */
async function changedKeys(out: string, config: TrainConfig): Promise<string> {
  let before: unknown;
  try {
    before = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  } catch {
    return '';
  }
  const diff = diffConfigs(identityConfig(before), identityConfig(config), [
    'train.steps',
    'train.epochs',
    'diagnostics',
    'data.faceworld.cacheDir',
  ]);
  return diff.length === 0 ? '' : `; changed: ${diff.join('; ')}`;
}

/**
 * A fresh detector and state (and an empty log.jsonl), or, with `resume`, everything restored from
 * `out/checkpoint` (the log cut back to it). A checkpoint of a different config is a {@link ConfigError}.
 */
export async function startOrResume(
  setup: RunSetup,
  resume: boolean,
  events: TrainEmitter,
): Promise<RunModel> {
  const { config, out, plan } = setup;
  // Two sources only: that is the pair whose cosine is logged, and K = 1 has no conflict to estimate.
  const emaCosine = plan.sources.length === 2 ? new EmaCosineTracker(config.diagnostics.emaBeta) : undefined;
  const logFile = join(out, 'log.jsonl');
  if (resume) {
    const ck = await loadCheckpoint(out);
    if (ck.state.configHash !== resumeHash(config)) {
      ck.detector.dispose();
      throw new ConfigError(
        `--resume: the config differs from the checkpoint's (${ck.folder}); only train.steps (or train.epochs) may change${await changedKeys(out, config)}`,
      );
    }
    if (ck.state.bestVal !== null) {
      // The final evaluation reloads best/: a corrupt copy must stop the run now, not after its remaining steps.
      try {
        (await loadDetector(join(out, 'best'))).dispose();
      } catch (e) {
        ck.detector.dispose();
        throw e;
      }
    }
    const optimizer = makeOptimizer(config, ck.detector);
    await ck.restoreOptimizer(optimizer);
    await ck.restoreEmaCosine(emaCosine);
    ck.restoreAggregator(plan.aggregator);
    await writeConfig(out, config);
    await truncateLog(logFile, ck.state.step);
    await events.emit({ type: 'message', text: `resumed at step ${ck.state.step} from ${ck.folder}` });
    ck.detector.freezeBatchNorm = detectorSetup(config).freezeBatchNorm;
    return { detector: ck.detector, optimizer, state: ck.state, emaCosine, resumedFrom: ck.folder };
  }
  const detectorKeys = detectorSetup(config);
  const detector = createDetector(detectorKeys.options as Parameters<typeof createDetector>[0]);
  detector.freezeBatchNorm = detectorKeys.freezeBatchNorm;
  if (detectorKeys.weights !== undefined) {
    const r = await loadTorchWeights(detector, detectorKeys.weights);
    await events.emit({
      type: 'message',
      text: `weights: ${r.loaded.length} tensors from ${detectorKeys.weights} (${r.format})`,
    });
  }
  const optimizer = makeOptimizer(config, detector);
  const state: TrainerState = {
    version: CHECKPOINT_VERSION,
    step: 0,
    loaderStep: 0,
    rng: new Rng(config.seed).state(),
    configHash: resumeHash(config),
    bestVal: null,
    skippedSteps: 0,
    consecutiveSkips: 0,
    seconds: 0,
    aggregator: null,
    emaCosine: null,
  };
  await writeConfig(out, config);
  await startLog(logFile);
  return { detector, optimizer, state, emaCosine };
}
