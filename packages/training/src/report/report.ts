/**
 * The run's report: `report.json` (the keys the issue fixes plus run facts), `report.md` (tables and the plots)
 * and PNG/SVG plots of the per-source losses, the per-source gradient cosine over training, and the ROC curves.
 */
import { join } from 'node:path';
import { rocCurve } from '@cs-dfd/metrics';
import { type TopLevelSpec, writeFileAtomic, writePlot } from '@cs-dfd/plots';
import type { DiagnosticsRecord } from '../diagnostics.js';
import type { SplitMetrics } from '../evaluation.js';
import type { RunTiming } from '../run/timing.js';
import { type SkipReport, skipLines } from '../skips.js';
import type { GradCamImage } from './gradcam.js';

/** `report.json`. */
export interface Report {
  method: string;
  backend: string;
  steps: number;
  /** Training seconds (steps, excluding evaluation and data generation), summed over resumes. */
  seconds: number;
  metrics: Record<string, SplitMetrics>;
  backendReason: string;
  dataset: string;
  generationSeconds: number;
  /** Wall time of this process's run (a resumed run counts only its own part). */
  wallSeconds: number;
  /** The validation-selected step (completed steps at that validation). */
  selectedStep: number;
  bestValAuc: number | null;
  /** The threshold chosen on validation (Youden's J), used for `acc_at_val_threshold`. */
  valThreshold: number | null;
  skippedSteps: number;
  /** Samples skipped as bad (`data.onBadSample=skip`) per split and reason; `{}` when none. */
  skippedSamples: SkipReport;
  configHash: string;
  memory: {
    peakRssBytes: number;
    /** Highest tensor bytes seen: inside the profiled steps (tf.profile) or between steps. */
    peakTfBytes: number;
    /** The highest point inside the profiled steps alone. */
    peakTfBytesInStep: number;
    /** Steps (1-based) whose peak was taken inside the step (a few: profiling every kernel costs time). */
    profiledSteps: number[];
    /** The wasm backend's heap size at the end (its high-water mark; the wasm32 ceiling is 4 GiB); null elsewhere. */
    wasmHeapBytes: number | null;
    /** The estimate made before the data was read (bytes of tensors at a training step's peak). */
    estimatedStepBytes: number;
    peakTensors: number;
    tensorsAfterFirstStep: number | null;
    tensorsAfterLastStep: number | null;
  };
  /** Grad-CAM overlays of a few test images per test split (in-domain and cross-domain, real and fake). */
  gradcam: GradCamImage[];
  /** The large-batch diagnostics passes (log.jsonl's `diagnostics` lines without `type`), in step order. */
  diagnostics: Omit<DiagnosticsRecord, 'type'>[];
  /** Seconds spent in the diagnostics passes (from their log lines; not part of `seconds`). */
  diagnosticsSeconds: number;
  /** Where this process's wall time went, from the run's events (milliseconds). */
  timing: RunTiming;
}

/** The report's `diagnostics` and `diagnosticsSeconds` from the log's `diagnostics` lines. */
export function diagnosticsOf(
  log: Record<string, unknown>[],
): Pick<Report, 'diagnostics' | 'diagnosticsSeconds'> {
  const lines = log.filter((r) => r.type === 'diagnostics') as unknown as DiagnosticsRecord[];
  return {
    diagnostics: lines.map(({ type: _type, ...rest }) => rest),
    diagnosticsSeconds: lines.reduce((t, r) => t + r.ms, 0) / 1000,
  };
}

/** Labels and scores of one split, for its ROC curve. */
export interface RocSeries {
  split: string;
  labels: Uint8Array;
  scores: Float64Array;
}

const f3 = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(3);

/** At most `max` evenly spaced points of a series (plots need no more). */
function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const step = (xs.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => xs[Math.round(i * step)]!);
}

function lossSpec(log: Record<string, unknown>[]): TopLevelSpec {
  const values = thin(
    log.filter((r) => r.type === 'step' && !r.skipped),
    400,
  ).flatMap((r) =>
    Object.entries(r.losses as Record<string, number>).map(([source, loss]) => ({
      step: r.step as number,
      source,
      loss,
    })),
  );
  const lcd = log
    .filter((r) => r.type === 'step' && typeof r.lcd === 'number')
    .map((r) => ({ step: r.step as number, source: 'L_cd (CGR)', loss: r.lcd as number }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Per-source training loss (BCE) and L_cd',
    width: 520,
    height: 260,
    data: { values: [...values, ...thin(lcd, 400)] },
    mark: { type: 'line', opacity: 0.35 },
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'loss', type: 'quantitative' },
      color: { field: 'source', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/** Centred moving mean over `2·half + 1` entries (fewer at the ends). */
function movingMean(xs: number[], half: number): number[] {
  return xs.map((_, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(xs.length, i + half + 1);
    let s = 0;
    for (let k = lo; k < hi; k++) s += xs[k]!;
    return s / (hi - lo);
  });
}

const SERIES = {
  minibatch: 'minibatch (points)',
  mean: 'minibatch, 25-step mean',
  ema: 'EMA-gradient cosine',
  large: 'large batch',
  corrected: 'large batch, noise-corrected',
} as const;

function cosineSpec(log: Record<string, unknown>[]): TopLevelSpec {
  const steps = log.filter((r) => r.type === 'step' && typeof r.cosine === 'number');
  const mean = movingMean(
    steps.map((r) => r.cosine as number),
    12,
  );
  const values = [
    ...thin(steps, 600).map((r) => ({ step: r.step, value: r.cosine, series: SERIES.minibatch })),
    ...thin(
      steps.map((r, i) => ({ step: r.step, value: mean[i], series: SERIES.mean })),
      600,
    ),
    ...thin(
      steps.filter((r) => typeof r.emaCosine === 'number'),
      600,
    ).map((r) => ({ step: r.step, value: r.emaCosine, series: SERIES.ema })),
    ...log
      .filter((r) => r.type === 'diagnostics' && typeof r.cosine === 'number')
      .flatMap((r) => [
        { step: r.step, value: r.cosine, series: SERIES.large },
        ...(typeof r.corrected === 'number'
          ? [{ step: r.step, value: r.corrected, series: SERIES.corrected }]
          : []),
      ]),
  ];
  const x = { field: 'step', type: 'quantitative' };
  const y = { field: 'value', type: 'quantitative', title: 'cosine', scale: { domain: [-1, 1] } };
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    legend: { labelLimit: 260 },
    scale: {
      domain: Object.values(SERIES),
      range: ['#bbbbbb', 'firebrick', 'steelblue', 'black', 'darkorange'],
    },
  };
  const only = (...names: string[]) => ({
    filter: { field: 'series', oneOf: names },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'cos(g_original, g_synthesized): minibatch, EMA of the gradients, large batch (DESIGN §3.2)',
    width: 520,
    height: 260,
    data: { values },
    layer: [
      {
        transform: [only(SERIES.minibatch)],
        mark: { type: 'point', size: 8, opacity: 0.4 },
        encoding: { x, y, color },
      },
      {
        transform: [only(SERIES.mean, SERIES.ema)],
        mark: { type: 'line' },
        encoding: { x, y, color },
      },
      {
        transform: [only(SERIES.large, SERIES.corrected)],
        mark: { type: 'point', size: 60, filled: true },
        // No shape channel: a shape legend switched off (legend: null) suppresses the merged colour legend too.
        encoding: { x, y, color },
      },
      { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { y: { datum: 0 } } },
    ],
  } as TopLevelSpec;
}

function rocSpec(rocs: RocSeries[], metrics: Record<string, SplitMetrics>): TopLevelSpec {
  const values = rocs.flatMap((r) => {
    const c = rocCurve(r.labels, r.scores, { warn: () => {} });
    const pts = Array.from(c.fpr, (fpr, i) => ({ fpr, tpr: c.tpr[i]!, i }));
    return thin(pts, 300).map((p) => ({
      split: `${r.split} (AUC ${f3(metrics[r.split]?.auc)})`,
      fpr: p.fpr,
      tpr: p.tpr,
      order: p.i,
    }));
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'ROC curves (frame level, validation-selected weights)',
    width: 360,
    height: 360,
    data: { values },
    layer: [
      {
        mark: { type: 'line' },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'false-positive rate' },
          y: { field: 'tpr', type: 'quantitative', title: 'true-positive rate' },
          color: { field: 'split', type: 'nominal' },
          order: { field: 'order', type: 'quantitative' },
        },
      },
      {
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { x: { datum: 0 }, y: { datum: 0 }, x2: { datum: 1 }, y2: { datum: 1 } },
      },
    ],
  } as TopLevelSpec;
}

/** The report.md section of the large-batch diagnostics (nothing when there were none). */
function diagnosticsMarkdown(report: Report): string[] {
  if (report.diagnostics.length === 0) return [];
  const sources = Object.keys(report.diagnostics[0]!.splitHalf);
  const two = sources.length === 2;
  const head = [
    'step',
    ...(two ? ['large-batch cos', 'corrected'] : []),
    ...sources.map((s) => `split-half ${s}`),
    ...sources.map((s) => `reliability ${s}`),
    'samples / source',
    'seconds',
  ];
  const f = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));
  const rows = report.diagnostics.map((d) =>
    d.reason !== undefined
      ? `| ${d.step} | not finite: ${d.reason.replace(/\|/g, '/')} |`
      : `| ${[
          d.step,
          ...(two ? [f(d.cosine), f(d.corrected)] : []),
          ...sources.map((s) => f(d.splitHalf[s])),
          ...sources.map((s) => f(d.reliability[s])),
          sources.map((s) => d.samples[s]).join(' / '),
          (d.ms / 1000).toFixed(1),
        ].join(' | ')} |`,
  );
  return [
    '## Gradient conflict on large batches',
    '',
    `Every pass: ${report.diagnostics[0]!.chunks} training-sized chunks per source (own seeded stream, BatchNorm in`,
    'training mode per chunk, moving statistics untouched). Split-half: cosine of the gradients of the two halves of',
    'the chunks (a reliability of the gradient direction); reliability: Spearman–Brown 2r/(1+r) for the whole large',
    'batch; corrected: cos / sqrt(rel_original · rel_synthesized) clipped to [-1, 1] (n/a when a reliability is 0).',
    `Diagnostics took ${report.diagnosticsSeconds.toFixed(1)} s (training ${report.seconds.toFixed(1)} s).`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows,
    '',
  ];
}

/** The report's wall-time table (`report.timing`), seconds and share of the loop or of the whole run. */
function timingMarkdown(report: Report): string[] {
  const t = report.timing;
  if (t === undefined) return [];
  const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : 'n/a');
  const pct = (ms: number) => (t.loopMs > 0 ? `${((100 * ms) / t.loopMs).toFixed(1)}%` : 'n/a');
  const per = (ms: number) => (t.steps > 0 ? (ms / t.steps).toFixed(1) : 'n/a');
  const row = (what: string, ms: number, count: string) =>
    `| ${what} | ${s(ms)} | ${pct(ms)} | ${per(ms)} | ${count} |`;
  const c = t.checkpoint;
  return [
    '## Where the wall time went',
    '',
    `Data and setup ${s(t.dataMs)} s (dataset generation ${report.generationSeconds.toFixed(0)} s), model and validation split ${s(t.startMs)} s, final evaluation ${s(t.finalEvalMs)} s, Grad-CAM ${s(t.gradcamMs)} s. The loop (${t.steps} steps in this process):`,
    '',
    '| part | seconds | of the loop | ms per step | count |',
    '|---|---|---|---|---|',
    row('waiting for data', t.step.dataMs, ''),
    row('step: packing', t.step.packMs, ''),
    row('step: forward, backward, update', t.step.computeMs - t.step.packMs, ''),
    row('listeners (log, progress, hooks)', t.step.listenersMs, ''),
    row(
      'validation (of which `best/` saves)',
      t.validation.ms,
      `${t.validation.count} (${s(t.validation.saveMs)} s)`,
    ),
    row(
      'checkpoints (encode / write / hash s)',
      c.ms,
      `${c.count} (${s(c.serialiseMs)} / ${s(c.writeMs)} / ${s(c.hashMs)})`,
    ),
    row('large-batch diagnostics', t.diagnostics.ms, String(t.diagnostics.count)),
    row('other', t.loopOtherMs, ''),
    row('**loop**', t.loopMs, ''),
    '',
  ];
}

/** Markdown of the report. */
export function reportMarkdown(report: Report, plots: string[]): string {
  const rows = Object.entries(report.metrics).map(
    ([name, m]) =>
      `| ${name} | ${f3(m.auc)} | ${f3(m.ap)} | ${f3(m.eer)} | ${f3(m.acc)} | ${f3(m.acc_at_val_threshold)} | ${f3(m.video_auc)} | ${m.nReal} / ${m.nFake} | ${m.videos} |`,
  );
  const mb = (b: number) =>
    b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(0)} MiB` : `${(b / 1024).toFixed(0)} KiB`;
  return [
    `# CS-DFD training report: ${report.method}`,
    '',
    `- data: ${report.dataset}`,
    `- backend: ${report.backend} (${report.backendReason})`,
    `- steps: ${report.steps} (${report.skippedSteps} skipped as non-finite), training ${report.seconds.toFixed(0)} s, wall ${report.wallSeconds.toFixed(0)} s (dataset generation ${report.generationSeconds.toFixed(0)} s)`,
    `- selected on validation AUC at step ${report.selectedStep} (val AUC ${f3(report.bestValAuc)}); test splits were evaluated only after training`,
    ...skipLines(report.skippedSamples ?? {}).map((l) => `- bad samples skipped, ${l}`),
    `- peak memory: RSS ${mb(report.memory.peakRssBytes)}, tfjs ${mb(report.memory.peakTfBytes)} (inside steps ${report.memory.profiledSteps.join(', ')}: ${mb(report.memory.peakTfBytesInStep)}; estimated before the run: ${mb(report.memory.estimatedStepBytes)})${report.memory.wasmHeapBytes === null ? '' : `, wasm heap ${mb(report.memory.wasmHeapBytes)}`}; tensors after the first / last step: ${report.memory.tensorsAfterFirstStep} / ${report.memory.tensorsAfterLastStep}`,
    '',
    '| split | AUC | AP | EER | ACC@0.5 | ACC@val thr | video AUC | real / fake frames | videos |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...plots.map((p) => `![${p}](${p})`),
    '',
    ...diagnosticsMarkdown(report),
    ...timingMarkdown(report),
    ...(report.gradcam.length > 0
      ? [
          '## Grad-CAM',
          '',
          "Grad-CAM of the fake logit on the backbone's last convolutional feature map A: ReLU(Σ_c α_c A_c) with",
          'α_c the mean over (h, w) of ∂logit/∂A_c, bilinearly upsampled to the input and overlaid in red (normalised per image).',
          '',
          ...report.gradcam.map(
            (s) =>
              `- ${s.split} ${s.label === 1 ? 'fake' : 'real'} p(fake)=${s.score.toFixed(3)}: ![${s.file}](${s.file})`,
          ),
          '',
        ]
      : []),
  ].join('\n');
}

/** Writes report.json, the plots and report.md under `out`. */
export async function writeReport(
  out: string,
  report: Report,
  log: Record<string, unknown>[],
  rocs: RocSeries[],
): Promise<void> {
  await writeFileAtomic(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const plots: string[] = [];
  await writePlot(lossSpec(log), join(out, 'plots', 'losses'));
  plots.push('plots/losses.png');
  if (log.some((r) => typeof r.cosine === 'number')) {
    await writePlot(cosineSpec(log), join(out, 'plots', 'cosine'));
    plots.push('plots/cosine.png');
  }
  await writePlot(rocSpec(rocs, report.metrics), join(out, 'plots', 'roc'));
  plots.push('plots/roc.png');
  await writeFileAtomic(join(out, 'report.md'), `${reportMarkdown(report, plots)}\n`);
}
