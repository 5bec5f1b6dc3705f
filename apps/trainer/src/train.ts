/**
 * The training run (DESIGN §13): data, detector, method, the step loop with validation-based model selection and
 * resumable checkpoints, then the final evaluation and the report.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BackendChoice, initBackend } from '@cs-dfd/backend';
import { BatchLoader, type BatchLoaderOptions, poolSynthesizer, sbiSynthesizer } from '@cs-dfd/data';
import {
  createDetector,
  type Detector,
  loadDetector,
  loadTorchWeights,
  resolveConfig as resolveDetector,
  saveDetector,
} from '@cs-dfd/detectors';
import { SynthesisPool } from '@cs-dfd/forgery';
import { EmaCosineTracker } from '@cs-dfd/gramian/tfjs';
import { chooseThreshold } from '@cs-dfd/metrics';
import { writeFileAtomic } from '@cs-dfd/plots';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKPOINT_VERSION, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import { ConfigError, detectorSetup, hashOf, type TrainConfig } from './config.js';
import { loadDatasets } from './dataset.js';
import {
  diagnosticsLoader,
  diagnosticsSummary,
  largeBatchDiagnostics,
  largeBatchDue,
  largeBatchPlan,
} from './diagnostics.js';
import {
  type DecodedSplit,
  decodeSplit,
  type SplitMetrics,
  scoreImages,
  scoresCsv,
  scoresFile,
  splitMetrics,
} from './evaluation.js';
import { writeGradCams } from './gradcam.js';
import { methodLabel, planMethod } from './method.js';
import { makeOptimizer } from './optimizer.js';
import { type Progress, silentProgress } from './progress.js';
import { diagnosticsOf, type Report, type RocSeries, writeReport } from './report.js';
import { learningRate, packBatch, runStep, type StepData, type StepRecord, setLearningRate } from './step.js';

/** The default of `diagnostics.emaBeta` (kept here too for existing importers). */
export { EMA_COSINE_BETA } from './config.js';

/** Test and instrumentation hooks of {@link train}. */
export interface TrainHooks {
  /** Sees (and may alter) each step's packed host data before the step, e.g. to inject a NaN. */
  beforeStep?(step: number, data: StepData): void;
  /** Called after each step with its log record. */
  afterStep?(record: StepRecord): void;
  /** Called after a checkpoint is written, with the number of completed steps. */
  afterCheckpoint?(steps: number): void;
}

/** Options of {@link train}. */
export interface TrainOptions {
  config: TrainConfig;
  /** Output folder (log, checkpoints, report). */
  out: string;
  /** Continue from `out/checkpoint`. */
  resume?: boolean;
  progress?: Progress;
  hooks?: TrainHooks;
}

/** What {@link train} returns: the report (also written to `out/report.json`) and the output paths. */
export interface TrainResult {
  report: Report;
  out: string;
}

/**
 * The config hash a checkpoint must match: everything but the step budget, which a resume may extend, and the
 * `diagnostics` section, which only observes (it changes no weight, batch or RNG draw; a different `emaBeta` is
 * refused by the checkpoint's EMA check instead). Leaving the section out also keeps checkpoints written before it
 * existed resumable.
 */
export function resumeHash(config: TrainConfig): string {
  const { epochs: _epochs, ...train } = config.train;
  const { diagnostics: _diagnostics, ...rest } = config;
  return hashOf({ ...rest, train: { ...train, steps: 0 } });
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

async function truncateLog(file: string, completed: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  // Lines written after the checkpoint belong to steps that will run again.
  const keep = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      const r = JSON.parse(l) as { type: string; step: number };
      return r.type === 'step' ? r.step < completed : r.step <= completed;
    });
  await writeFile(file, keep.map((l) => `${l}\n`).join(''));
}

/** Memory watermarks over a run. */
class MemoryWatch {
  peakRss = 0;
  peakTfBytes = 0;
  peakTensors = 0;
  tensorsAfterStep: number[] = [];
  sample(): void {
    const rss = process.memoryUsage().rss;
    const m = tf.memory();
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakTfBytes = Math.max(this.peakTfBytes, m.numBytes);
    this.peakTensors = Math.max(this.peakTensors, m.numTensors);
  }
}

/** `train.steps` after `train.epochs` (when given) is turned into steps over `reals` training reals. */
export function stepsFor(config: TrainConfig, reals: number): number {
  const { epochs, batchSize, steps } = config.train;
  return epochs === undefined ? steps : Math.max(1, Math.ceil((epochs * reals) / batchSize));
}

/** Trains, selects on validation, evaluates every test split, writes `out/` (see the README). */
export async function train(options: TrainOptions): Promise<TrainResult> {
  let { config } = options;
  const { out } = options;
  const progress = options.progress ?? silentProgress;
  const hooks = options.hooks ?? {};
  checkConfig(config);
  const plan = planMethod(config);
  const backend: BackendChoice = await initBackend(
    config.backend === 'auto' ? {} : { backend: config.backend },
  );
  progress.log(`backend: ${backend.name} (${backend.reason})`);
  await mkdir(out, { recursive: true });

  let generating = false;
  const data = await loadDatasets(config, (done, total) => {
    if (!generating) {
      generating = true;
      progress.start('faceworld', total, 0);
    }
    progress.update(done, '');
  });
  if (generating) progress.stop();
  progress.log(`data: ${data.description}; ${data.train.length} training frames`);
  const reals = data.train.filter((r) => r.kind === 'real').length;
  config = { ...config, train: { ...config.train, steps: stepsFor(config, reals) } };
  await writeFileAtomic(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  let detector: Detector;
  let state: TrainerState;
  const optimizer = makeOptimizer(config);
  // Two sources only: that is the pair whose cosine is logged, and K = 1 has no conflict to estimate.
  const emaCosine = plan.sources.length === 2 ? new EmaCosineTracker(config.diagnostics.emaBeta) : undefined;
  const logFile = join(out, 'log.jsonl');
  if (options.resume) {
    const ck = await loadCheckpoint(out);
    if (ck.state.configHash !== resumeHash(config)) {
      ck.detector.dispose();
      throw new ConfigError(
        `--resume: the config differs from the checkpoint's (${ck.folder}); only train.steps (or train.epochs) may change`,
      );
    }
    detector = ck.detector;
    state = ck.state;
    await ck.restoreOptimizer(optimizer);
    await ck.restoreEmaCosine(emaCosine);
    ck.restoreAggregator(plan.aggregator);
    await truncateLog(logFile, state.step);
    progress.log(`resumed at step ${state.step} from ${ck.folder}`);
  } else {
    const setup = detectorSetup(config);
    detector = createDetector(setup.options as Parameters<typeof createDetector>[0]);
    if (setup.weights !== undefined) {
      const r = await loadTorchWeights(detector, setup.weights);
      progress.log(`weights: ${r.loaded.length} tensors from ${setup.weights} (${r.format})`);
    }
    state = {
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
    await writeFile(logFile, '');
  }
  detector.freezeBatchNorm = detectorSetup(config).freezeBatchNorm;
  const rng = new Rng(state.rng);
  const size = detector.config.inputSize;
  const usesSbi = plan.sources.includes('synthesized');
  const pool =
    usesSbi && config.data.sbiWorkers > 0 ? new SynthesisPool({ size: config.data.sbiWorkers }) : null;
  const loaderOptions: BatchLoaderOptions = {
    records: data.train,
    batchSize: config.train.batchSize,
    imageSize: size,
    seed: config.seed,
    sources: plan.sources,
    ...(usesSbi ? { synthesize: pool === null ? sbiSynthesizer() : poolSynthesizer(pool) } : {}),
    ...(config.data.augment ? {} : { augment: false as const }),
    onBadSample: config.data.onBadSample,
  };
  const loader = new BatchLoader(loaderOptions, state.loaderStep);
  const largeBatch = largeBatchPlan(config, plan.sources);
  const diagLoader = largeBatch.every > 0 ? diagnosticsLoader(loaderOptions) : null;
  const valRecords = data.eval.find((s) => s.role === 'val')!.records;
  const val = await decodeSplit('val', valRecords, size);

  const memory = new MemoryWatch();
  const total = config.train.steps;
  const runStart = performance.now();
  let trainMs = 0;
  progress.start('train', total, state.step);
  const logLine = (o: object) => appendFile(logFile, `${JSON.stringify(o)}\n`);
  try {
    for (let step = state.step; step < total; step++) {
      const batch = await loader.next();
      const t0 = performance.now();
      const packed = packBatch(batch, plan, config);
      hooks.beforeStep?.(step, packed);
      const lr = learningRate(config, step);
      setLearningRate(optimizer, lr);
      const { record } = runStep(
        detector,
        optimizer,
        plan,
        config,
        packed,
        step,
        lr,
        emaCosine === undefined ? {} : { emaCosine },
      );
      trainMs += performance.now() - t0;
      memory.sample();
      memory.tensorsAfterStep.push(tf.memory().numTensors);
      if (record.skipped) {
        state.skippedSteps++;
        state.consecutiveSkips++;
        progress.log(`step ${step}: skipped (${record.reason})`);
      } else {
        state.consecutiveSkips = 0;
      }
      await logLine({ type: 'step', ...record });
      hooks.afterStep?.(record);
      if (
        config.train.maxConsecutiveSkips > 0 &&
        state.consecutiveSkips >= config.train.maxConsecutiveSkips
      ) {
        throw new Error(
          `${state.consecutiveSkips} consecutive steps were not finite; last: ${record.reason}`,
        );
      }
      const done = step + 1;
      const cos = record.cosine === undefined ? '' : ` cos ${record.cosine.toFixed(2)}`;
      progress.update(
        done,
        `loss ${Object.values(record.losses)
          .map((l) => l.toFixed(3))
          .join('/')}${cos}`,
      );
      if (done % config.train.evalEvery === 0 || done === total) {
        const scores = scoreImages(detector, val.images, size, config.eval.batchSize);
        const m = splitMetrics(val, scores);
        const better =
          state.bestVal === null ||
          m.auc > state.bestVal.auc ||
          (Number.isNaN(state.bestVal.auc) && !Number.isNaN(m.auc));
        if (better) {
          state.bestVal = { step: done, auc: m.auc };
          await saveDetector(detector, join(out, 'best'));
        }
        await logLine({
          type: 'eval',
          split: 'val',
          step: done,
          auc: m.auc,
          ap: m.ap,
          eer: m.eer,
          acc: m.acc,
          video_auc: m.video_auc,
          best: better,
        });
      }
      if (diagLoader !== null && largeBatchDue(largeBatch, done, total)) {
        const d = await largeBatchDiagnostics(detector, plan, config, diagLoader, largeBatch, done);
        progress.log(diagnosticsSummary(d));
        await logLine(d);
      }
      if (done % config.train.checkpointEvery === 0 || done === total) {
        state.step = done;
        state.loaderStep = loader.step;
        state.rng = rng.state();
        state.seconds += trainMs / 1000;
        trainMs = 0;
        state.aggregator = plan.aggregator.exportState?.() ?? null;
        await saveCheckpoint(out, detector, optimizer, state, emaCosine === undefined ? {} : { emaCosine });
        hooks.afterCheckpoint?.(done);
      }
    }
  } finally {
    // prefetched steps must settle before their workers go
    await loader.drain();
    await pool?.close();
    emaCosine?.dispose();
  }
  progress.stop();

  // Final evaluation: the validation-selected weights on every split. Test splits are decoded only now, so they
  // cannot influence anything above.
  const selected = state.bestVal === null ? detector : await loadDetector(join(out, 'best'));
  const metrics: Record<string, SplitMetrics> = {};
  const rocs: RocSeries[] = [];
  let threshold: number | undefined;
  const decoded: DecodedSplit[] = [];
  for (const split of data.eval) {
    const d = split.role === 'val' ? val : await decodeSplit(split.name, split.records, size);
    decoded.push(d);
    const scores = scoreImages(selected, d.images, size, config.eval.batchSize);
    if (split.role === 'val') {
      const t = chooseThreshold(d.labels, scores, { warn: () => {} }).threshold;
      threshold = Number.isFinite(t) ? t : undefined;
    }
    metrics[split.name] = splitMetrics(d, scores, threshold);
    rocs.push({ split: split.name, labels: d.labels, scores });
    await writeFileAtomic(join(out, 'scores', scoresFile(split.name)), scoresCsv(d, scores));
  }
  const gradcam =
    config.eval.gradcam > 0
      ? await writeGradCams(
          selected,
          decoded.filter((d) => d.name !== 'val'),
          config.eval.gradcam,
          out,
          rng,
        )
      : [];
  memory.sample();
  const log = (await readFile(logFile, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const report: Report = {
    method: methodLabel(plan),
    backend: backend.name,
    steps: total,
    seconds: state.seconds,
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, m]) => [k, m])),
    backendReason: backend.reason,
    dataset: data.description,
    generationSeconds: data.generationSeconds,
    wallSeconds: (performance.now() - runStart) / 1000,
    selectedStep: state.bestVal?.step ?? total,
    bestValAuc: state.bestVal?.auc ?? null,
    valThreshold: threshold ?? null,
    skippedSteps: state.skippedSteps,
    configHash: hashOf(config),
    memory: {
      peakRssBytes: memory.peakRss,
      peakTfBytes: memory.peakTfBytes,
      peakTensors: memory.peakTensors,
      tensorsAfterFirstStep: memory.tensorsAfterStep[0] ?? null,
      tensorsAfterLastStep: memory.tensorsAfterStep.at(-1) ?? null,
    },
    gradcam,
    ...diagnosticsOf(log),
  };
  await writeReport(out, report, log, rocs);
  if (selected !== detector) selected.dispose();
  detector.dispose();
  optimizer.dispose();
  return { report, out };
}
