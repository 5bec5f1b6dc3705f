/**
 * Step time of the DESIGN §12 CNN (batch 32×64×64×3, two sources of 16 samples, per-source gradients aggregated
 * and applied with SGD) on: stock wasm (fails: a training kernel is missing), wasm with `@cs-dfd/backend`'s kernels
 * on the main thread, the same with the per-source work on two workers (`@cs-dfd/multitask`'s TaskWorkerPool), on
 * the main thread plus one worker, and the pure-JS cpu backend.
 */
import { cpus, loadavg, platform, release } from 'node:os';
import { makeAggregator } from '@cs-dfd/aggregators';
import { initBackend, registerWasmTrainingKernels, restoreStockWasmKernels } from '@cs-dfd/backend';
import type { Aggregator } from '@cs-dfd/gramian';
import { disjointStep, type StepResult } from '@cs-dfd/multitask';
import { parallelDisjointStep, TaskWorkerPool } from '@cs-dfd/multitask/workers';
import * as tf from '@tensorflow/tfjs-core';
import { summarize } from './machine.js';
import { createReplica, type StepModelOptions } from './step-model.js';

/** One measured configuration. Times are wall-clock ms per step; `null` when the configuration failed. */
export interface StepRow {
  /** `wasm-stock` (tfjs 4.22.0's own wasm kernels), `wasm` (with `@cs-dfd/backend`'s kernels), `cpu`. */
  backend: 'wasm-stock' | 'wasm' | 'cpu';
  /** Worker threads computing per-source gradients (0: everything on the main thread). */
  workers: number;
  /** Where the per-source work runs. */
  placement: 'main' | 'workers' | 'main+workers';
  steps: number;
  ms_median: number | null;
  ms_min: number | null;
  ms_max: number | null;
  /** Median of the slowest task's forward+backward inside the step (the rest is copying, waiting, aggregating). */
  task_ms_median: number | null;
  /** Growth of the main thread's `tf.memory().numTensors` over the timed steps (0: nothing leaked). */
  tensor_growth: number | null;
  /** The workers' `numTensors` before and after the timed steps. */
  worker_tensors?: { before: number[]; after: number[] };
  /** Why the configuration could not train. */
  error?: string;
}

/** Where the numbers come from: the machine is shared, so the load at both ends is part of the result. */
export interface StepMachine {
  cpu: string;
  cores: number;
  os: string;
  node: string;
  tfjs: string;
  wasm: string;
  load_start: number[];
  load_end: number[];
  note: string;
}

/** Options of {@link stepSuite}. */
export interface StepSuiteOptions {
  /** Timed steps of each wasm configuration (after 2 warm-up steps). Default 100. */
  steps?: number;
  /** Timed steps on the cpu backend (about 100–350 s each here); 0 skips the row. Default 1. */
  cpuSteps?: number;
  /** Gram-space aggregator (by `@cs-dfd/aggregators` name). Default `uvs`. */
  method?: string;
  /** Steps per interleaved round of the wasm configurations (spreads the shared machine's load over them). */
  round?: number;
  log?: (line: string) => void;
}

const SOURCES = ['original', 'synthesized'] as const;
const PER_SOURCE = 16;

interface Config {
  row: Omit<StepRow, 'steps' | 'ms_median' | 'ms_min' | 'ms_max' | 'task_ms_median' | 'tensor_growth'>;
  step: () => Promise<StepResult> | StepResult;
  workerTensors?: () => number[];
  ms: number[];
  taskMs: number[];
  growth: number;
  dispose: () => Promise<void>;
}

function sourceBatches(): tf.Tensor[][] {
  return SOURCES.map((_, k) => [
    tf.randomUniform([PER_SOURCE, 64, 64, 3], -1, 1, 'float32', 10 + k),
    tf.cast(tf.greater(tf.randomUniform([PER_SOURCE, 1], 0, 1, 'float32', 20 + k), 0.5), 'float32'),
  ]);
}

function checked(r: StepResult): StepResult {
  if (r.skipped) throw new Error(`step skipped: ${r.reason}`);
  return r;
}

/** A configuration that computes every source on the main thread (`disjointStep`). */
function mainThreadConfig(backend: StepRow['backend'], aggregator: Aggregator): Config {
  const model = createReplica({ backend: 'wasm', sources: SOURCES });
  const inputs = sourceBatches();
  const optimizer = tf.train.sgd(0.01);
  const tasks = model.tasks.map((t, k) => ({ name: t.name, loss: () => t.loss(inputs[k]!) }));
  return {
    row: { backend, workers: 0, placement: 'main' },
    step: () => checked(disjointStep({ shared: model.shared, tasks, aggregator, optimizer })),
    ms: [],
    taskMs: [],
    growth: 0,
    dispose: async () => {
      tf.dispose([...model.shared, ...inputs.flat()]);
      optimizer.dispose();
    },
  };
}

/** A configuration with the per-source work on a worker pool. */
async function poolConfig(workers: number, mainThread: boolean, aggregator: Aggregator): Promise<Config> {
  const options: StepModelOptions = { backend: 'wasm', sources: SOURCES };
  const model = createReplica(options);
  const pool = await TaskWorkerPool.start({
    module: new URL('./step-model.js', import.meta.url),
    options,
    model,
    workers,
    mainThread,
  });
  const inputs = sourceBatches();
  const optimizer = tf.train.sgd(0.01);
  return {
    row: { backend: 'wasm', workers, placement: mainThread ? 'main+workers' : 'workers' },
    step: async () => checked(await parallelDisjointStep(pool, inputs, { aggregator, optimizer })),
    workerTensors: () => pool.workerTensors(),
    ms: [],
    taskMs: [],
    growth: 0,
    dispose: async () => {
      await pool.close();
      tf.dispose([...model.shared, ...inputs.flat()]);
      optimizer.dispose();
    },
  };
}

async function timeSteps(c: Config, n: number): Promise<void> {
  const before = tf.memory().numTensors;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await c.step();
    c.ms.push(performance.now() - t0);
    c.taskMs.push(Math.max(...r.timing.perTask));
  }
  c.growth += tf.memory().numTensors - before;
}

function finish(c: Config, workerBefore?: number[]): StepRow {
  const s = c.ms.length > 0 ? summarize(c.ms) : undefined;
  return {
    ...c.row,
    steps: c.ms.length,
    ms_median: s?.median ?? null,
    ms_min: s?.min ?? null,
    ms_max: s?.max ?? null,
    task_ms_median: c.taskMs.length > 0 ? summarize(c.taskMs).median : null,
    tensor_growth: c.ms.length > 0 ? c.growth : null,
    ...(workerBefore && c.workerTensors
      ? { worker_tensors: { before: workerBefore, after: c.workerTensors() } }
      : {}),
  };
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Runs every configuration; the wasm ones in interleaved rounds so that load changes hit them alike. */
export async function stepSuite(
  options: StepSuiteOptions = {},
): Promise<{ machine: StepMachine; rows: StepRow[] }> {
  const log = options.log ?? (() => {});
  const steps = options.steps ?? 100;
  const cpuSteps = options.cpuSteps ?? 1;
  const round = options.round ?? 10;
  const method = options.method ?? 'uvs';
  const loadStart = loadavg();
  const choice = await initBackend({ backend: 'wasm' });
  const cpu = cpus();
  const machine: StepMachine = {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    os: `${platform()} ${release()}`,
    node: process.version,
    tfjs: tf.version_core,
    wasm: `SIMD ${choice.simd ? 'on' : 'off'}, ${choice.threads} thread(s) per realm`,
    load_start: loadStart,
    load_end: [],
    note: 'shared machine: other jobs may have used the cores during the run (see load averages)',
  };
  log(
    `machine: ${machine.cpu} x${machine.cores}, ${machine.os}, node ${machine.node}, tfjs ${machine.tfjs}, wasm ${machine.wasm}, load ${loadStart.map((l) => l.toFixed(2)).join('/')} (shared machine)`,
  );
  log(
    `net: 3x[conv3x3 + relu + maxpool2] 16-32-64 + dense(1), 2 sources x ${PER_SOURCE} x 64x64x3, ${method} + SGD`,
  );
  const rows: StepRow[] = [];

  // Stock wasm: the first backward needs a kernel tfjs-backend-wasm 4.22.0 does not register.
  restoreStockWasmKernels();
  const stock = mainThreadConfig('wasm-stock', makeAggregator(method));
  let stockError: string | undefined;
  try {
    await timeSteps(stock, 1);
  } catch (e) {
    stockError = describe(e);
  }
  await stock.dispose();
  rows.push({ ...finish(stock), ...(stockError === undefined ? {} : { error: stockError }) });
  log(`wasm, stock kernels: ${stockError ?? 'trained (unexpected)'}`);
  registerWasmTrainingKernels();

  const configs = [
    mainThreadConfig('wasm', makeAggregator(method)),
    await poolConfig(2, false, makeAggregator(method)),
    await poolConfig(1, true, makeAggregator(method)),
  ];
  try {
    for (const c of configs) for (let i = 0; i < 2; i++) await c.step(); // warm-up: kernels, caches, Adam-free
    const workerBefore = configs.map((c) => c.workerTensors?.());
    for (let done = 0; done < steps; done += round) {
      for (const c of configs) await timeSteps(c, Math.min(round, steps - done));
    }
    configs.forEach((c, i) => {
      const row = finish(c, workerBefore[i]);
      rows.push(row);
      log(
        `wasm, ${row.placement} (${row.workers} workers): median ${row.ms_median?.toFixed(1)} ms (min ${row.ms_min?.toFixed(1)}, max ${row.ms_max?.toFixed(1)}), tensor growth ${row.tensor_growth}`,
      );
    });
  } finally {
    for (const c of configs) await c.dispose();
  }

  if (cpuSteps > 0) {
    await initBackend({ backend: 'cpu' });
    const c = mainThreadConfig('cpu', makeAggregator(method));
    try {
      await timeSteps(c, cpuSteps);
      rows.push(finish(c));
      log(`cpu: median ${c.ms.length ? summarize(c.ms).median.toFixed(0) : '-'} ms`);
    } catch (e) {
      rows.push({ ...finish(c), error: describe(e) });
    } finally {
      await c.dispose();
    }
  }
  machine.load_end = loadavg();
  log(`load at the end ${machine.load_end.map((l) => l.toFixed(2)).join('/')}`);
  return { machine, rows };
}
