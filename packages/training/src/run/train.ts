/**
 * The training run (DESIGN §13) as phases: setup (backend, data), start or resume, the step loop with validation,
 * diagnostics and checkpoints, the final evaluation, the artifacts. Everything a run reports goes out as
 * {@link TrainEvent}s; log.jsonl, a progress display and the hooks are listeners.
 */
import { join } from 'node:path';
import { DataError } from '@cs-dfd/data';
import { Rng } from '@cs-dfd/rng';
import type { TrainConfig } from '../config.js';
import { type DecodedSplit, decodeSplit } from '../evaluation.js';
import { methodLabel } from '../method.js';
import type { Report } from '../report/report.js';
import { TrainEmitter, type TrainEvent, type TrainListener } from './events.js';
import { finalEvaluation, writeArtifacts } from './final.js';
import { hooksListener, type TrainHooks } from './listeners.js';
import { logWriter } from './log-file.js';
import { runLoop } from './loop.js';
import { MemoryWatch } from './memory.js';
import { prepareRunFolder } from './run-folder.js';
import { setupRun, startOrResume } from './setup.js';
import { TimingCollector } from './timing.js';

/** Options of {@link train}. */
export interface TrainOptions {
  config: TrainConfig;
  /** Output folder (log, checkpoints, report). */
  out: string;
  /** Continue from `out/checkpoint`. */
  resume?: boolean;
  /** A fresh run into a folder that holds another run replaces it (otherwise that is refused). */
  force?: boolean;
  /**
   * Listeners of the run's {@link TrainEvent}s, called in order after the log.jsonl writer (e.g.
   * `progressListener(defaultProgress())`); a listener that throws stops the run.
   */
  onEvent?: TrainListener | readonly TrainListener[];
  hooks?: TrainHooks;
}

/** What {@link train} returns: the report (also written to `out/report.json`) and the output folder. */
export interface TrainResult {
  report: Report;
  out: string;
}

/** Model selection ranks validations by AUC, which a split with one class cannot give. */
function checkBothClasses(val: DecodedSplit): void {
  const fakes = val.labels.reduce((a, b) => a + b, 0);
  if (fakes === 0 || fakes === val.labels.length) {
    throw new DataError(
      'empty-split',
      `split val: ${val.labels.length} frames, all ${fakes === 0 ? 'real' : 'fake'}: model selection by validation AUC needs reals and fakes`,
    );
  }
}

/**
 * Trains, selects on validation, evaluates every test split, writes `out/` (see the README). Holds the run-folder
 * lock for the whole run ({@link prepareRunFolder}): a second run on the same folder is refused. On failure every
 * listener gets a `run-error` event (what a listener throws while handling it is dropped), then the promise
 * rejects with the original error.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { lock, notes } = await prepareRunFolder(options.out, {
    config: options.config,
    resume: options.resume === true,
    force: options.force === true,
  });
  try {
    return await trainLocked(options, notes);
  } finally {
    await lock.release();
  }
}

async function trainLocked(options: TrainOptions, folderNotes: readonly string[]): Promise<TrainResult> {
  const { out } = options;
  const hooks = options.hooks ?? {};
  const extra = options.onEvent === undefined ? [] : [options.onEvent].flat();
  const timing = new TimingCollector();
  const events = new TrainEmitter([
    timing.listener,
    logWriter(join(out, 'log.jsonl')),
    hooksListener(hooks),
    ...extra,
  ]);
  try {
    return await runPhases(options, events, hooks, folderNotes, timing);
  } catch (error) {
    await events.emitToAll({ type: 'run-error', out, error });
    throw error;
  }
}

/** The phases of {@link train}, in order. */
async function runPhases(
  options: TrainOptions,
  events: TrainEmitter,
  hooks: TrainHooks,
  folderNotes: readonly string[],
  timing: TimingCollector,
): Promise<TrainResult> {
  const { out } = options;

  for (const text of folderNotes) await events.emit({ type: 'message', text });
  const setup = await setupRun(options.config, out, events);
  const model = await startOrResume(setup, options.resume === true, events);
  const { config, plan, data, backend } = setup;
  const rng = new Rng(model.state.rng);
  const valSplit = data.eval.find((s) => s.role === 'val')!;
  const val = await decodeSplit('val', valSplit.records, model.detector.config.inputSize, {
    onBadSample: config.data.onBadSample,
    skipped: valSplit.skipped,
  });
  valSplit.records = val.records;
  checkBothClasses(val);
  const memory = new MemoryWatch();
  const runStart = performance.now();
  const start: TrainEvent = {
    type: 'run-start',
    out,
    config,
    method: methodLabel(plan),
    backend,
    dataset: data.description,
    trainFrames: data.train.length,
    totalSteps: config.train.steps,
    startStep: model.state.step,
    ...(model.resumedFrom === undefined ? {} : { resumedFrom: model.resumedFrom }),
  };
  await events.emit(start);
  await runLoop({ setup, model, val, rng, events, hooks, memory });

  const final = await finalEvaluation(setup, model, val, events);
  const report = await writeArtifacts(setup, model, final, { rng, memory, runStart, timing });
  if (final.selected !== model.detector) final.selected.dispose();
  model.detector.dispose();
  model.optimizer.dispose();
  await events.emit({ type: 'run-end', out, report });
  return { report, out };
}
