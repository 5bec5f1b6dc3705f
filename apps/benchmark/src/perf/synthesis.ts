/**
 * Self-Blended Image synthesis rate against the trainer's consumption (issue #8 item 6, DESIGN §7, §12). The
 * trainer's loader makes one SBI fake per real per step with `@cs-dfd/data`'s `sbiSynthesizer` (main thread) or
 * `poolSynthesizer` over a `@cs-dfd/forgery` `SynthesisPool` (worker threads, `data.sbiWorkers`, default 1), on
 * the real frame already resized to the detector's input side. This suite times exactly those two hooks at that
 * side and sets the rate against fakes-per-step ÷ step time.
 */
import { loadavg } from 'node:os';
import {
  type RgbImage as LoaderImage,
  poolSynthesizer,
  type SynthesizeFn,
  sbiSynthesizer,
} from '@cs-dfd/data';
import { SynthesisPool, syntheticFace } from '@cs-dfd/forgery';
import { Rng } from '@cs-dfd/rng';
import { fmt, markdownTable } from '../table.js';
import { summarize } from './machine.js';
import { checkInt, PerfOptionError } from './method-step.js';

/** One measured way of synthesising. */
export interface SynthesisRow {
  /** `main`: `sbiSynthesizer` on this thread; `pool`: `poolSynthesizer` on a `SynthesisPool` of `workers` threads. */
  where: 'main' | 'pool';
  workers: number;
  /** Image side (the detector's input side: the loader resizes frames before SBI). */
  size: number;
  samples: number;
  images_per_s: number;
  /** Median ms per image (main thread only: the pool's samples overlap, so only its throughput is meaningful). */
  ms_median: number | null;
}

/** A trainer step's appetite for synthesized fakes. */
export interface Consumer {
  method: string;
  /** Median wall time of the trainer's step, ms. */
  step_ms: number;
  /** SBI fakes the step uses (`fakesPerSource(config, 'synthesized')`). */
  fakes_per_step: number;
}

/** Whether synthesis keeps up with one consumer. */
export interface KeepUpRow extends Consumer {
  /** Fakes per second the step consumes: fakes_per_step / step time. */
  needed_per_s: number;
  /** With SBI on the main thread the step waits for it: the step's time grows by this factor. */
  main_slowdown: number;
  /** One worker's rate over the rate needed (>= 1: the worker keeps up and the step never waits). */
  worker_ratio: number;
  /** Workers (at the measured one-worker rate) that keep up: ceil(needed / one worker's rate). */
  workers_needed: number;
}

/**
 * Keep-up figures for each consumer, from the main-thread and one-worker rates (images/s). The main thread
 * interleaves SBI with the step, so its cost adds: (step + fakes · 1000/rate) / step. A worker runs beside the
 * step, so it keeps up when its rate covers the consumption.
 */
export function keepUp(consumers: readonly Consumer[], mainRate: number, workerRate: number): KeepUpRow[] {
  for (const [name, v] of [
    ['mainRate', mainRate],
    ['workerRate', workerRate],
  ] as const)
    if (!(Number.isFinite(v) && v > 0)) throw new PerfOptionError(name, v, 'must be a positive rate');
  return consumers.map((c) => {
    if (!(Number.isFinite(c.step_ms) && c.step_ms > 0))
      throw new PerfOptionError(`step_ms of ${c.method}`, c.step_ms, 'must be a positive time');
    checkInt(`fakes_per_step of ${c.method}`, c.fakes_per_step, 0);
    const needed = c.fakes_per_step / (c.step_ms / 1000);
    return {
      ...c,
      needed_per_s: needed,
      main_slowdown: (c.step_ms + (c.fakes_per_step * 1000) / mainRate) / c.step_ms,
      worker_ratio: needed === 0 ? Number.POSITIVE_INFINITY : workerRate / needed,
      workers_needed: Math.ceil(needed / workerRate),
    };
  });
}

/** Table of the measured rates. */
export function rateTable(rows: readonly SynthesisRow[]): string {
  return markdownTable(
    ['SBI on', 'size', 'samples', 'images/s', 'median ms/image'],
    rows.map((r) => [
      r.where === 'main'
        ? 'main thread (sbiSynthesizer)'
        : `SynthesisPool, ${r.workers} worker (poolSynthesizer)`,
      `${r.size}×${r.size}`,
      String(r.samples),
      fmt(r.images_per_s, 1),
      r.ms_median === null ? '-' : fmt(r.ms_median, 2),
    ]),
  );
}

/** Table of the keep-up figures. */
export function keepUpTable(rows: readonly KeepUpRow[]): string {
  return markdownTable(
    [
      'method',
      'step (ms)',
      'SBI fakes/step',
      'needed (img/s)',
      'main-thread SBI: step ×',
      '1 worker / needed',
      'keeps up',
      'workers needed',
    ],
    rows.map((r) => [
      r.method,
      fmt(r.step_ms, 1),
      String(r.fakes_per_step),
      fmt(r.needed_per_s, 1),
      `${fmt(r.main_slowdown, 2)}×`,
      `${fmt(r.worker_ratio, 2)}×`,
      r.worker_ratio >= 1 ? 'yes (1 worker)' : 'NO',
      String(r.workers_needed),
    ]),
  );
}

/** Distinct faces with landmarks at `size` (drawn once, outside the timing). */
function faces(
  size: number,
  count: number,
  seed: number,
): { image: LoaderImage; landmarks: [number, number][] }[] {
  return Array.from({ length: count }, (_, i) => {
    const f = syntheticFace(seed + i, { size });
    return {
      image: { width: f.image.width, height: f.image.height, data: Uint8Array.from(f.image.data) },
      landmarks: f.landmarks.map(([x, y]) => [x, y] as [number, number]),
    };
  });
}

/** Options of {@link synthesisSuite}. */
export interface SynthesisOptions {
  /** Image side; the trainer's is its detector's input side (64 for the default small CNN). Default 64. */
  size?: number;
  /** Timed samples per configuration. Default 200. */
  samples?: number;
  /** Untimed samples first (JIT; the pool's worker start-up). Default 10. */
  warmup?: number;
  /** Worker threads of the pool row. Default 1 (the trainer's `data.sbiWorkers` default). */
  workers?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** Measured rates and the load around them. */
export interface SynthesisReport {
  load_start: number[];
  load_end: number[];
  rows: SynthesisRow[];
}

async function timeHook(
  synth: SynthesizeFn,
  pool: readonly { image: LoaderImage; landmarks: [number, number][] }[],
  samples: number,
  warmup: number,
  seed: number,
  concurrent: boolean,
): Promise<{ rate: number; ms: number[] }> {
  const one = (i: number) => synth(pool[i % pool.length]!, new Rng(seed + i));
  for (let i = 0; i < warmup; i++) await one(i);
  const ms: number[] = [];
  const t0 = performance.now();
  if (concurrent) {
    // The loader asks for a whole step's fakes at once; the pool queues them and keeps its worker busy.
    await Promise.all(Array.from({ length: samples }, (_, i) => one(warmup + i)));
  } else {
    for (let i = 0; i < samples; i++) {
      const s = performance.now();
      await one(warmup + i);
      ms.push(performance.now() - s);
    }
  }
  return { rate: samples / ((performance.now() - t0) / 1000), ms };
}

/** Times SBI on the main thread and on a {@link SynthesisPool} (see the module comment). */
export async function synthesisSuite(options: SynthesisOptions = {}): Promise<SynthesisReport> {
  const size = checkInt('size', options.size ?? 64, 16);
  const samples = checkInt('samples', options.samples ?? 200, 1);
  const warmup = checkInt('warmup', options.warmup ?? 10, 0);
  const workers = checkInt('workers', options.workers ?? 1, 1);
  const seed = options.seed ?? 0;
  const log = options.log ?? (() => {});
  const load_start = loadavg();
  const inputs = faces(size, 16, seed);
  const rows: SynthesisRow[] = [];

  const main = await timeHook(sbiSynthesizer(), inputs, samples, warmup, seed, false);
  rows.push({
    where: 'main',
    workers: 0,
    size,
    samples,
    images_per_s: main.rate,
    ms_median: summarize(main.ms).median,
  });
  log(`  main thread: ${fmt(main.rate, 1)} images/s`);

  const synthesisPool = new SynthesisPool({ size: workers });
  try {
    const pooled = await timeHook(poolSynthesizer(synthesisPool), inputs, samples, warmup, seed, true);
    rows.push({ where: 'pool', workers, size, samples, images_per_s: pooled.rate, ms_median: null });
    log(`  pool of ${workers}: ${fmt(pooled.rate, 1)} images/s`);
  } finally {
    await synthesisPool.close();
  }
  return { load_start, load_end: loadavg(), rows };
}
