/**
 * The trainer's default step against a PyTorch peer of it (issue #14 item 6), side by side in one run: ours is
 * `@cs-dfd/training`'s `packBatch` + `runStep` on the trainer's default detector (end to end as the trainer runs a
 * step, without the data loader), the peer is `torch_peer.py` (same network, batch, two source sub-batches,
 * per-source BCE, UVS or joint aggregation, Adam) run by Debian's python3-torch with the same number of threads.
 * Rounds alternate between the two so that a burst of load on this shared machine lands on both.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@cs-dfd/backend';
import type { Batch } from '@cs-dfd/data';
import { createDetector, type Detector } from '@cs-dfd/detectors';
import {
  type MethodPlan,
  makeOptimizer,
  packBatch,
  planMethod,
  runStep,
  type StepData,
  setLearningRate,
  type TrainConfig,
  type TrainConfigInput,
} from '@cs-dfd/training';
import { fmt, markdownTable } from '../table.js';
import { machineLine, summarize } from './machine.js';
import {
  checkInt,
  conflictingBatch,
  detectorInputSize,
  methodConfig,
  PerfOptionError,
} from './method-step.js';

/** Debian's python, where python3-torch installs (the pyenv python on PATH lacks torch). */
export const PYTHON = '/usr/bin/python3';
/** The peer, resolved through `src/` from both `src/perf` and `dist/perf`. */
export const PEER_SCRIPT = fileURLToPath(new URL('../../src/perf/torch_peer.py', import.meta.url));
/** Methods the peer implements. */
export const PEER_METHODS = ['uvs', 'joint'] as const;
export type PeerMethod = (typeof PEER_METHODS)[number];

/** What `torch_peer.py` reads on stdin. */
export interface PeerSpec {
  threads: number;
  channels: number[];
  proj: number;
  bnEpsilon: number;
  bnMomentum: number;
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  size: number;
  reals: number;
  fakes: number[];
  rows: number[][];
  method: PeerMethod;
  c: number;
  warmup: number;
  steps: number;
  seed?: number;
  /** Our initial weights in `trainableVariables()` order, flat (conv kernels HWIO). */
  weights?: number[][];
  images?: number[];
  labels?: number[];
}

/** What it writes back. */
export interface PeerResult {
  torch: string;
  threads: number;
  params: number;
  /** Per-source BCE of the first step, before any update, in plan order. */
  firstLosses: number[];
  /** Per-source BCE before each step (warm-up steps included), in plan order. */
  losses: number[][];
  ms: number[];
}

/** The peer's spec for a trainer config and a packed batch (the default detector only: small CNN + head). */
export function peerSpec(
  config: TrainConfig,
  data: StepData,
  options: { method: PeerMethod; threads: number; warmup: number; steps: number },
): PeerSpec {
  const d = config.detector as {
    backbone?: { kind?: string; channels?: number[] };
    projectionDim?: number;
    activation?: string;
    batchNorm?: { epsilon?: number; momentum?: number };
    inputNormalization?: string;
  };
  if (d.backbone?.kind !== 'small-cnn' || (d.activation ?? 'softplus') !== 'softplus') {
    throw new PerfOptionError('detector', d, 'the PyTorch peer has the small CNN with a softplus head only');
  }
  if ((d.inputNormalization ?? 'none') !== 'none' || config.optimizer.name !== 'adam') {
    throw new PerfOptionError(
      'config',
      config.optimizer.name,
      'the PyTorch peer needs Adam and no input normalisation',
    );
  }
  const uvsC = (config.method.options as { c?: number } | undefined)?.c ?? 0.5;
  return {
    threads: options.threads,
    channels: d.backbone.channels ?? [32, 64, 128],
    proj: d.projectionDim ?? 128,
    bnEpsilon: d.batchNorm?.epsilon ?? 1e-3,
    bnMomentum: d.batchNorm?.momentum ?? 0.9,
    lr: config.optimizer.lr,
    beta1: config.optimizer.beta1,
    beta2: config.optimizer.beta2,
    epsilon: config.optimizer.epsilon,
    size: data.size,
    reals: data.reals,
    fakes: data.rows.map((r) => r.length - data.reals),
    rows: data.rows,
    method: options.method,
    c: uvsC,
    warmup: options.warmup,
    steps: options.steps,
    seed: config.seed,
  };
}

/** The detector's trainable weights, flat, in the order `torch_peer.py` loads them. */
export function peerWeights(detector: Detector): number[][] {
  return detector.trainableVariables().map((v) => Array.from(v.dataSync()));
}

/** Runs `torch_peer.py` with `spec`; a missing torch or a failing script is an Error with python's stderr. */
export function runPeer(spec: PeerSpec): PeerResult {
  const r = spawnSync(PYTHON, [PEER_SCRIPT], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(
      `${PYTHON} ${PEER_SCRIPT} failed (${r.error?.message ?? `exit ${r.status}`}); it needs python3-torch (apt-get install python3-torch):\n${r.stderr}`,
    );
  }
  return JSON.parse(r.stdout) as PeerResult;
}

/** Options of {@link torchPeerSuite}. */
export interface TorchPeerOptions {
  /** Default both: uvs (the trainer's default) and joint. */
  methods?: readonly PeerMethod[];
  /** Timed steps per side per method, split over `rounds`. Default 30. */
  steps?: number;
  /** Alternations ours/peer. Default 3. */
  rounds?: number;
  /** Untimed steps per side per round first. Default 2. */
  warmup?: number;
  /** Trainer configuration (default: the trainer's defaults). */
  config?: TrainConfigInput;
  log?: (line: string) => void;
}

/** One method's row. */
export interface TorchPeerRow {
  method: PeerMethod;
  ours_ms: { median: number; min: number; max: number };
  torch_ms: { median: number; min: number; max: number };
  /** ours median / torch median. */
  ratio: number;
  params: { ours: number; torch: number };
}

/** What {@link torchPeerSuite} returns. */
export interface TorchPeerReport {
  machine: string;
  torch: string;
  /** Threads on each side: wasm runs single-threaded on the trainer's main thread, so torch gets 1. */
  threads: number;
  load_start: number[];
  load_end: number[];
  batch: { reals: number; fakes: number[]; size: number };
  rows: TorchPeerRow[];
}

/** Our trainer's step, end to end (pack + runStep), `n` times; returns the wall ms of each. */
function oursSteps(
  detector: Detector,
  optimizer: ReturnType<typeof makeOptimizer>,
  plan: MethodPlan,
  config: TrainConfig,
  batch: Batch,
  n: number,
  counter: { step: number },
): number[] {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const data = packBatch(batch, plan, config);
    runStep(detector, optimizer, plan, config, data, counter.step++, config.optimizer.lr);
    ms.push(performance.now() - t0);
  }
  return ms;
}

/** Times the trainer's default step and the PyTorch peer's, alternating in rounds (see the module comment). */
export async function torchPeerSuite(options: TorchPeerOptions = {}): Promise<TorchPeerReport> {
  const methods = options.methods ?? PEER_METHODS;
  const steps = checkInt('steps', options.steps ?? 30, 1);
  const rounds = checkInt('rounds', options.rounds ?? 3, 1);
  const warmup = checkInt('warmup', options.warmup ?? 2, 0);
  const log = options.log ?? (() => {});
  const choice = await initBackend({ backend: 'wasm' });
  const machine = machineLine(`${choice.name} (${choice.reason})`);
  const threads = 1;
  const loadStart = loadavg();
  log(machine);
  const rows: TorchPeerRow[] = [];
  let torchVersion = '';
  let batchInfo: TorchPeerReport['batch'] | undefined;
  for (const method of methods) {
    const config = methodConfig(method, options.config ?? {});
    const plan = planMethod(config);
    const batch = conflictingBatch(detectorInputSize(config), config.train.batchSize, config.seed);
    const detector = createDetector({ seed: config.seed, ...config.detector } as Parameters<
      typeof createDetector
    >[0]);
    const optimizer = makeOptimizer(config);
    setLearningRate(optimizer, config.optimizer.lr);
    const data = packBatch(batch, plan, config);
    batchInfo ??= { reals: data.reals, fakes: data.rows.map((r) => r.length - data.reals), size: data.size };
    const oursParams = detector.trainableVariables().reduce((s, v) => s + v.size, 0);
    const ours: number[] = [];
    const torch: number[] = [];
    let torchParams = 0;
    const counter = { step: 0 };
    try {
      for (let r = 0; r < rounds; r++) {
        const n = Math.ceil(steps / rounds);
        oursSteps(detector, optimizer, plan, config, batch, warmup, counter);
        ours.push(...oursSteps(detector, optimizer, plan, config, batch, n, counter));
        const peer = runPeer(peerSpec(config, data, { method, threads, warmup, steps: n }));
        torch.push(...peer.ms);
        torchVersion = peer.torch;
        torchParams = peer.params;
        log(
          `  ${method} round ${r + 1}/${rounds}: ours ${fmt(summarize(ours).median, 1)} ms, torch ${fmt(summarize(torch).median, 1)} ms`,
        );
      }
    } finally {
      detector.dispose();
      optimizer.dispose();
    }
    const o = summarize(ours);
    const t = summarize(torch);
    rows.push({
      method,
      ours_ms: o,
      torch_ms: t,
      ratio: o.median / t.median,
      params: { ours: oursParams, torch: torchParams },
    });
  }
  return {
    machine,
    torch: torchVersion,
    threads,
    load_start: loadStart,
    load_end: loadavg(),
    batch: batchInfo!,
    rows,
  };
}

/** The report as a markdown table. */
export function torchPeerTable(report: TorchPeerReport): string {
  return markdownTable(
    [
      'method',
      'ours ms (median, min-max)',
      `PyTorch ${report.torch} ms`,
      'ours / PyTorch',
      'params ours / torch',
    ],
    report.rows.map((r) => [
      r.method,
      `${fmt(r.ours_ms.median, 1)} (${fmt(r.ours_ms.min, 1)}-${fmt(r.ours_ms.max, 1)})`,
      `${fmt(r.torch_ms.median, 1)} (${fmt(r.torch_ms.min, 1)}-${fmt(r.torch_ms.max, 1)})`,
      `${fmt(r.ratio, 2)}×`,
      `${r.params.ours} / ${r.params.torch}`,
    ]),
  );
}
