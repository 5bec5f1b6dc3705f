// The two-worker step against the main-thread step: same records, weights, optimizer and BatchNorm statistics.
import { initBackend } from '@cs-dfd/backend';
import { createDetector, type Detector } from '@cs-dfd/detectors';
import { WorkerPoolError } from '@cs-dfd/multitask/workers';
import type * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorSetup } from '../src/config.js';
import {
  ConfigError,
  makeOptimizer,
  planMethod,
  resolveConfig,
  runStep,
  type StepData,
  type StepRecord,
} from '../src/index.js';
import { resolveWorkers, StepWorkers } from '../src/step-workers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const S = 16;
const per = S * S * 3;

/** A packed step: 4 reals, 4 fakes per source, pixel values from a seeded generator (step-dependent). */
function stepData(step: number, poison = false): StepData {
  const n = 12;
  const images = new Float32Array(n * per);
  let s = 12345 + step * 7919;
  for (let i = 0; i < images.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    images[i] = (s >>> 8) / 2 ** 24;
  }
  if (poison) images[9 * per + 5] = Number.NaN; // one fake of the synthesized source
  const labels = Float32Array.from({ length: n }, (_, i) => (i < 4 ? 0 : 1));
  return {
    images,
    size: S,
    reals: 4,
    rows: [
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3, 8, 9, 10, 11],
    ],
    labels,
  };
}

const configOf = (method: string) =>
  resolveConfig({
    backend: 'wasm',
    detector: { backbone: { kind: 'small-cnn', channels: [4, 8] }, inputSize: S, projectionDim: 8 },
    method: { name: method },
    cgr: { enabled: false },
    optimizer: { lr: 0.05 },
    train: { workers: 2 },
  });

const values = (vs: readonly tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));
const withoutMs = ({ ms: _ms, ...rest }: StepRecord) => rest;

describe('StepWorkers (train.workers = 2)', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  const disposeLater: Detector[] = [];
  afterAll(async () => {
    for (const w of open) await w.close();
    for (const d of disposeLater) d.dispose();
  });

  async function pair(method: string) {
    const config = configOf(method);
    const options = detectorSetup(config).options as Parameters<typeof createDetector>[0];
    const [main, par] = [createDetector(options), createDetector(options)];
    disposeLater.push(main, par);
    const planMain = planMethod(config);
    const planPar = planMethod(config);
    const workers = await StepWorkers.start(par, planPar, config, 'wasm');
    open.push(workers);
    return { config, main, par, planMain, planPar, workers };
  }

  // Bit for bit, not only within a tolerance: the workers run the main thread's kernels on the same values, and the
  // BatchNorm statistics are replayed with the same ops (see step-workers.ts).
  for (const method of ['joint', 'uvs', 'pcgrad']) {
    it(`${method}: 3 steps give the main thread's records, weights, BatchNorm statistics and Adam state bit for bit`, async () => {
      const { config, main, par, planMain, workers } = await pair(method);
      const [optMain, optPar] = [makeOptimizer(config), makeOptimizer(config)];
      for (let step = 0; step < 3; step++) {
        const a = runStep(main, optMain, planMain, config, stepData(step), step, 0.05);
        const b = await workers.step(optPar, stepData(step), step, 0.05);
        expect(b.record.skipped).toBe(false);
        expect(withoutMs(b.record)).toEqual(withoutMs(a.record));
      }
      expect(values(par.trainableVariables())).toEqual(values(main.trainableVariables()));
      const stats = values(main.stateVariables());
      expect(values(par.stateVariables())).toEqual(stats);
      // the statistics moved away from their initial 0 / 1
      expect(stats[0]!.some((x) => x !== 0)).toBe(true);
      const weightsOf = async (o: tf.Optimizer) =>
        (await o.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
      expect(await weightsOf(optPar)).toEqual(await weightsOf(optMain));
      optMain.dispose();
      optPar.dispose();
    });
  }

  it('a non-finite step is skipped as on the main thread, leaving weights and statistics untouched', async () => {
    const { config, main, par, planMain, workers } = await pair('joint');
    const [optMain, optPar] = [makeOptimizer(config), makeOptimizer(config)];
    const before = values([...par.trainableVariables(), ...par.stateVariables()]);
    const a = runStep(main, optMain, planMain, config, stepData(0, true), 0, 0.05);
    const b = await workers.step(optPar, stepData(0, true), 0, 0.05);
    expect(a.record.skipped).toBe(true);
    expect(withoutMs(b.record)).toEqual(withoutMs(a.record));
    expect(values([...par.trainableVariables(), ...par.stateVariables()])).toEqual(before);
    expect(values(main.stateVariables())).toEqual(values(par.stateVariables()));
    optMain.dispose();
    optPar.dispose();
  });

  it("a worker's failure is a typed WorkerPoolError naming the source, and the pool stays usable", async () => {
    const { config, workers } = await pair('joint');
    const opt = makeOptimizer(config);
    const bad = stepData(0);
    bad.size = 8; // images the detector (inputSize 16) rejects inside the worker
    bad.images = bad.images.subarray(0, 12 * 8 * 8 * 3);
    const err = await workers.step(opt, bad, 0, 0.05).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerPoolError);
    expect((err as WorkerPoolError).code).toBe('worker-failed');
    expect((err as WorkerPoolError).task).toBe('original');
    expect((err as Error).message).toMatch(/images must have shape \[N >= 1, 16, 16, 3\]/);
    const ok = await workers.step(opt, stepData(1), 0, 0.05);
    expect(ok.record.skipped).toBe(false);
    opt.dispose();
  });
});

describe('train.workers', () => {
  const cfg = (sets: Record<string, unknown>) =>
    resolveConfig({ backend: 'wasm', ...sets }) as ReturnType<typeof resolveConfig>;
  it('2 with CGR or a one-source method is a ConfigError naming train.workers', () => {
    for (const c of [
      cfg({ train: { workers: 2 } }),
      cfg({ train: { workers: 2 }, method: { name: 'orig-only' } }),
    ]) {
      expect(() => resolveWorkers(c, planMethod(c), 'wasm')).toThrow(ConfigError);
      expect(() => resolveWorkers(c, planMethod(c), 'wasm')).toThrow(/^config: train\.workers: 2 needs/);
    }
  });
  it('auto: 2 for a two-source method without CGR on wasm or cpu with a free core; else 0', () => {
    const joint = cfg({ method: { name: 'joint' }, cgr: { enabled: false } });
    const cgr = cfg({ method: { name: 'uvs' } });
    const one = cfg({ method: { name: 'syn-only' } });
    const quiet = { cores: 2, load: 0.9 };
    const w = (c: ReturnType<typeof cfg>, b: string, m = quiet) =>
      resolveWorkers(c, planMethod(c), b, m).workers;
    expect(w(joint, 'wasm')).toBe(2);
    expect(w(joint, 'cpu')).toBe(2);
    expect(w(joint, 'node')).toBe(0);
    expect(w(cgr, 'wasm')).toBe(0);
    expect(w(one, 'wasm')).toBe(0);
    expect(w(joint, 'wasm', { cores: 1, load: 0 })).toBe(0);
    expect(w(joint, 'wasm', { cores: 2, load: 2 })).toBe(0);
    expect(w(joint, 'wasm', { cores: 16, load: 2 })).toBe(2);
    expect(resolveWorkers(joint, planMethod(joint), 'wasm', { cores: 2, load: 17.5 }).reason).toBe(
      'auto: load average 17.5 >= 2 cores (no free core)',
    );
    // explicit settings ignore the machine
    const fixed = (n: 0 | 2) =>
      cfg({ method: { name: 'joint' }, cgr: { enabled: false }, train: { workers: n } });
    expect(w(fixed(0), 'wasm')).toBe(0);
    expect(w(fixed(2), 'wasm', { cores: 2, load: 30 })).toBe(2);
  });
  it('rejects other values, naming the key', () => {
    expect(() => resolveConfig({ train: { workers: 1 } })).toThrow(/train\.workers/);
  });
});
