import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@cs-dfd/backend';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { methodsByName } from '../src/methods.js';
import {
  loadMnist,
  type MultiMnist,
  MultiMnistError,
  type MultiMnistRun,
  makeMultiMnist,
  meanStd,
  multiMnistProtocol,
  multiMnistTable,
  summarizeRuns,
  trainMultiMnist,
} from '../src/multimnist/index.js';

const CHANCE = 0.1;
/** Required gain over chance after one short epoch (measured at seed 5: accuracies 0.45–0.54, i.e. 0.35–0.44 above chance). */
const MARGIN = 0.2;

describe('training the two-headed LeNet (wasm, as the protocol runs)', () => {
  let train: MultiMnist;
  let test: MultiMnist;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    const [a, b] = await Promise.all([loadMnist('train'), loadMnist('test')]);
    train = makeMultiMnist(a, 1920, new Rng(11));
    test = makeMultiMnist(b, 400, new Rng(12));
  });

  it.each(['mean', 'uvs'])('%s lifts both heads above chance and leaks no tensors', (name) => {
    const [entry] = methodsByName([name]);
    const before = tf.memory().numTensors;
    const run = trainMultiMnist(name, entry!.make(), train, test, {
      epochs: 1,
      batchSize: 32,
      lr: 3e-3,
      seed: 5,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(run.steps).toBe(60);
    expect(run.skipped).toBe(0);
    expect(run.left_acc).toBeGreaterThan(CHANCE + MARGIN);
    expect(run.right_acc).toBeGreaterThan(CHANCE + MARGIN);
    expect(run.train_loss[0]).toBeLessThan(Math.log(10)); // below the loss of a uniform guess
    expect(run.train_loss[1]).toBeLessThan(Math.log(10));
    expect(run.step_ms).toBeGreaterThan(0);
  });

  it('rejects sizes that cannot train', () => {
    const agg = methodsByName(['mean'])[0]!.make();
    expect(() => trainMultiMnist('mean', agg, train, test, { batchSize: 4000 })).toThrow(
      /batchSize: 4000 exceeds the 1920 training images/,
    );
    expect(() => trainMultiMnist('mean', agg, train, test, { epochs: 0 })).toThrow(MultiMnistError);
    expect(() => trainMultiMnist('mean', agg, train, test, { lr: Number.NaN })).toThrow(/lr: /);
  });
});

describe('summary and table', () => {
  const run = (method: string, seed: number, l: number, r: number, ms: number): MultiMnistRun => ({
    method,
    seed,
    left_acc: l,
    right_acc: r,
    step_ms: ms,
    steps: 1,
    skipped: 0,
    train_loss: [0, 0],
  });

  it('gives mean ± sample std over seeds and the step time relative to mean', () => {
    expect(meanStd([1, 2, 3, 4]).mean).toBe(2.5);
    expect(meanStd([1, 2, 3, 4]).std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanStd([0.7])).toEqual({ mean: 0.7, std: 0 });
    const s = summarizeRuns([
      run('uvs', 0, 0.8, 0.7, 30),
      run('mean', 0, 0.6, 0.5, 20),
      run('uvs', 1, 0.9, 0.9, 50),
      run('mean', 1, 0.6, 0.7, 20),
    ]);
    expect(s.map((x) => x.method)).toEqual(['uvs', 'mean']);
    expect(s[0]!.left.mean).toBeCloseTo(0.85, 12);
    expect(s[0]!.left.std).toBeCloseTo(Math.SQRT1_2 * 0.1, 12);
    expect(s[0]!.both.mean).toBeCloseTo(0.825, 12); // per seed (0.75, 0.9)
    expect(s[0]!.relative_step).toBeCloseTo(2, 12);
    expect(multiMnistTable(s)).toContain(
      '| uvs    | 2     | 85.00 ± 7.07 | 80.00 ± 14.14 | 82.50 ± 10.61 | 40.0',
    );
    expect(summarizeRuns([run('uvs', 0, 1, 1, 3)])[0]!.relative_step).toBeUndefined();
  });
});

describe('multiMnistProtocol', () => {
  it('runs every method on the same data and writes the JSON rows and the plot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'multimnist-'));
    try {
      const seen: string[] = [];
      const { rows, table, machine } = await multiMnistProtocol({
        methods: ['mean', 'mgda'],
        seeds: [1],
        train: 128,
        test: 100,
        epochs: 1,
        batchSize: 64,
        backend: 'wasm',
        json: join(dir, 'mm.json'),
        plot: join(dir, 'mm.png'),
        onRun: (r) => seen.push(`${r.method}/${r.seed}`),
      });
      expect(seen).toEqual(['mean/1', 'mgda/1']);
      expect(machine).toMatch(/backend wasm/);
      expect(table.split('\n')).toHaveLength(4);
      const json = JSON.parse(await readFile(join(dir, 'mm.json'), 'utf8'));
      expect(json.rows.map((r: MultiMnistRun) => [r.method, r.seed, r.steps])).toEqual([
        ['mean', 1, 2],
        ['mgda', 1, 2],
      ]);
      expect(json.rows[0]).toEqual(rows[0]);
      for (const key of ['left_acc', 'right_acc', 'step_ms']) expect(typeof json.rows[1][key]).toBe('number');
      const png = await readFile(join(dir, 'mm.png'));
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
      expect(await readFile(join(dir, 'mm.svg'), 'utf8')).toContain('<svg');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names an unknown method', async () => {
    await expect(multiMnistProtocol({ methods: ['mean', 'nope'] })).rejects.toThrow(
      /unknown aggregator "nope"/,
    );
  });
});
