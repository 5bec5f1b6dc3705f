/**
 * The run's last phases: the validation-selected weights scored on every split (test splits are decoded only now,
 * so they cannot influence training or selection), then the artifacts: `scores/`, Grad-CAM overlays, `report.json`,
 * `report.md` and the plots.
 */
import { join } from 'node:path';
import type { SkippedSample } from '@cs-dfd/data';
import type { Detector } from '@cs-dfd/detectors';
import { loadDetector } from '@cs-dfd/detectors';
import { chooseThreshold } from '@cs-dfd/metrics';
import { writeFileAtomic } from '@cs-dfd/plots';
import type { Rng } from '@cs-dfd/rng';
import { hashOf } from '../config.js';
import {
  type DecodedSplit,
  decodeSplit,
  type SplitMetrics,
  scoreImages,
  scoresCsv,
  scoresFile,
  splitMetrics,
} from '../evaluation.js';
import { methodLabel } from '../method.js';
import { writeGradCams } from '../report/gradcam.js';
import { diagnosticsOf, type Report, type RocSeries, writeReport } from '../report/report.js';
import { type SkipReport, splitSkips } from '../skips.js';
import type { TrainEmitter } from './events.js';
import { readLog } from './log-file.js';
import type { MemoryWatch } from './memory.js';
import type { RunModel, RunSetup } from './setup.js';
import type { TimingCollector } from './timing.js';

/** The final evaluation's results. */
export interface FinalEvaluation {
  /** The weights evaluated: `best/` when a validation ran, else the last weights. */
  selected: Detector;
  metrics: Record<string, SplitMetrics>;
  rocs: RocSeries[];
  /** Youden's-J threshold chosen on validation, when finite. */
  threshold: number | undefined;
  decoded: DecodedSplit[];
}

/** Scores every split (validation first) with the selected weights and writes `scores/<split>.csv`. */
export async function finalEvaluation(
  setup: RunSetup,
  model: RunModel,
  val: DecodedSplit,
  events: TrainEmitter,
): Promise<FinalEvaluation> {
  const { config, out, data } = setup;
  const { detector, state } = model;
  const size = detector.config.inputSize;
  const selected = state.bestVal === null ? detector : await loadDetector(join(out, 'best'));
  const metrics: Record<string, SplitMetrics> = {};
  const rocs: RocSeries[] = [];
  let threshold: number | undefined;
  const decoded: DecodedSplit[] = [];
  for (const split of data.eval) {
    const t0 = performance.now();
    const d =
      split.role === 'val'
        ? val
        : await decodeSplit(split.name, split.records, size, {
            onBadSample: config.data.onBadSample,
            skipped: split.skipped,
          });
    decoded.push(d);
    const t1 = performance.now();
    const scores = scoreImages(selected, d.images, size, config.eval.batchSize);
    const t2 = performance.now();
    if (split.role === 'val') {
      const t = chooseThreshold(d.labels, scores, { warn: () => {} }).threshold;
      threshold = Number.isFinite(t) ? t : undefined;
    }
    metrics[split.name] = splitMetrics(d, scores, threshold);
    rocs.push({ split: split.name, labels: d.labels, scores });
    await writeFileAtomic(join(out, 'scores', scoresFile(split.name)), scoresCsv(d, scores));
    await events.emit({
      type: 'final-eval',
      split: split.name,
      metrics: metrics[split.name]!,
      timing: { decodeMs: t1 - t0, scoreMs: t2 - t1 },
    });
  }
  return { selected, metrics, rocs, threshold, decoded };
}

/** Run facts the report needs besides the evaluation. */
export interface RunFacts {
  rng: Rng;
  memory: MemoryWatch;
  /** `performance.now()` when the step loop was about to start (the report's `wallSeconds` counts from it). */
  runStart: number;
  /** The run's events summed into a wall-time breakdown (the report's `timing`). */
  timing: TimingCollector;
}

/** Every split's skipped samples (index reader, loaders across resumes, decoding); splits without skips left out. */
export function skipReport(data: RunSetup['data'], state: RunModel['state']): SkipReport {
  const report: SkipReport = {};
  const splits: [string, readonly SkippedSample[]][] = [
    ['train', [...data.trainSkipped.items, ...(state.skippedSamples ?? [])]],
    ...data.eval.map((s): [string, readonly SkippedSample[]] => [s.name, s.skipped.items]),
  ];
  for (const [name, items] of splits) if (items.length > 0) report[name] = splitSkips(items);
  return report;
}

/** Writes Grad-CAM overlays, `report.json`, the plots and `report.md`; returns the report. */
export async function writeArtifacts(
  setup: RunSetup,
  model: RunModel,
  final: FinalEvaluation,
  facts: RunFacts,
): Promise<Report> {
  const { config, out, plan, backend, data } = setup;
  const { state } = model;
  const tGradcam = performance.now();
  const gradcam =
    config.eval.gradcam > 0
      ? await writeGradCams(
          final.selected,
          final.decoded.filter((d) => d.name !== 'val'),
          config.eval.gradcam,
          out,
          facts.rng,
        )
      : [];
  const gradcamMs = performance.now() - tGradcam;
  const { memory } = facts;
  memory.sample();
  const log = await readLog(join(out, 'log.jsonl'));
  const total = config.train.steps;
  const report: Report = {
    method: methodLabel(plan),
    backend: backend.name,
    steps: total,
    seconds: state.seconds,
    metrics: Object.fromEntries(Object.entries(final.metrics).map(([k, m]) => [k, m])),
    backendReason: backend.reason,
    dataset: data.description,
    generationSeconds: data.generationSeconds,
    wallSeconds: (performance.now() - facts.runStart) / 1000,
    selectedStep: state.bestVal?.step ?? total,
    bestValAuc: state.bestVal?.auc ?? null,
    valThreshold: final.threshold ?? null,
    skippedSteps: state.skippedSteps,
    skippedSamples: skipReport(data, state),
    configHash: hashOf(config),
    memory: {
      peakRssBytes: memory.peakRss,
      peakTfBytes: memory.peakTfBytes,
      peakTfBytesInStep: memory.peakTfBytesInStep,
      profiledSteps: memory.profiledSteps,
      wasmHeapBytes: memory.wasmHeapBytes,
      estimatedStepBytes: Math.round(setup.memory.step.bytes),
      peakTensors: memory.peakTensors,
      tensorsAfterFirstStep: memory.tensorsAfterStep[0] ?? null,
      tensorsAfterLastStep: memory.tensorsAfterStep.at(-1) ?? null,
    },
    gradcam,
    ...diagnosticsOf(log),
    timing: facts.timing.summary(gradcamMs),
  };
  await writeReport(out, report, log, final.rocs);
  return report;
}
