// Whole training runs on the tiny fixture, in process: the non-finite guard inside a run, flat tensor counts,
// the report's shape, and that test splits never drive model selection.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { faceworldFolder, resolveConfig, type StepRecord, train } from '../src/index.js';
import { CACHE, TINY_FACEWORLD, tinyRaw } from './fixture.js';

let fw: string;
beforeAll(async () => {
  fw = (await faceworldFolder(TINY_FACEWORLD, CACHE)).dir;
});

const readLog = async (dir: string) =>
  (await readFile(join(dir, 'log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a training run', () => {
  it('makes the same self-blended images on worker threads as on the main thread: identical training', async () => {
    const losses = async (workers: number) => {
      const out = await mkdtemp(join(tmpdir(), `cs-dfd-train-sbi${workers}-`));
      await train({ config: resolveConfig(tinyRaw([`data.sbiWorkers=${workers}`, 'train.steps=3'])), out });
      return (await readLog(out)).filter((r) => r.type === 'step').map((r) => r.losses);
    };
    const inline = await losses(0);
    expect(inline).toHaveLength(3);
    expect(await losses(2)).toEqual(inline);
  });

  it('skips and counts a step whose batch holds a NaN, keeps tensors flat, and writes the report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-run-'));
    const tensors: number[] = [];
    const records: StepRecord[] = [];
    const bytesAfterStep: number[] = [];
    const { report } = await train({
      config: resolveConfig(tinyRaw(['eval.gradcam=1'])),
      out,
      hooks: {
        beforeStep: (step, data) => {
          if (step === 2) data.images[data.images.length - 1] = Number.NaN;
        },
        afterStep: (r) => {
          records.push(r);
          tensors.push(tf.memory().numTensors);
          bytesAfterStep.push(tf.memory().numBytes);
        },
      },
    });
    expect(records.map((r) => r.skipped)).toEqual([false, false, true, false, false, false]);
    expect(report.skippedSteps).toBe(1);
    // Adam's slots appear at the first applied step; after that nothing may accumulate.
    expect(new Set(tensors.slice(1)).size).toBe(1);
    expect(report.memory.tensorsAfterLastStep).toBe(report.memory.tensorsAfterFirstStep);
    expect(report.memory.peakRssBytes).toBeGreaterThan(0);
    // The peak inside a step (its backward pass) is above anything seen between steps; the first two steps are
    // profiled; the wasm heap holds every tensor, so it is at least that peak (an independent measurement).
    expect(report.memory.profiledSteps).toEqual([1, 2]);
    expect(report.memory.peakTfBytesInStep).toBeGreaterThan(Math.max(...bytesAfterStep));
    expect(report.memory.peakTfBytes).toBeGreaterThanOrEqual(report.memory.peakTfBytesInStep);
    expect(report.backend).toBe('wasm');
    expect(report.memory.wasmHeapBytes).toBeGreaterThanOrEqual(report.memory.peakTfBytesInStep);
    expect(report.memory.estimatedStepBytes).toBeGreaterThan(0);
    const log = await readLog(out);
    expect(log.filter((r) => r.type === 'step' && r.skipped).map((r) => r.step)).toEqual([2]);
    const applied = log.find((r) => r.type === 'step' && !r.skipped)!;
    for (const key of ['losses', 'gradNorms', 'cosine', 'info', 'lcd', 'weights', 'decrease', 'updateNorm'])
      expect(applied).toHaveProperty(key);
    expect(applied.info).toHaveProperty('primal'); // the UVS certificate
    const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(Object.keys(json).slice(0, 5)).toEqual(['method', 'backend', 'steps', 'seconds', 'metrics']);
    expect(json.method).toBe('uvs+cgr');
    expect(Object.keys(json.metrics)).toEqual(['val', 'test', 'cross:faceworld-target']);
    for (const m of Object.values(json.metrics) as Record<string, number>[]) {
      for (const k of ['auc', 'ap', 'eer', 'acc', 'video_auc']) expect(typeof m[k]).toBe('number');
    }
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(
      /tfjs \d+ [KM]iB \(inside steps 1, 2: \d+ [KM]iB; estimated before the run: \d+ [KM]iB\), wasm heap \d+ MiB/,
    );
    for (const p of ['plots/losses.png', 'plots/cosine.png', 'plots/roc.png']) {
      expect(md).toContain(p);
      expect((await readFile(join(out, p))).subarray(1, 4).toString()).toBe('PNG');
    }
    expect(json.gradcam).toHaveLength(2); // one per test split
    for (const g of json.gradcam as { file: string }[]) {
      expect(md).toContain(`![${g.file}](${g.file})`);
      expect((await readFile(join(out, g.file))).subarray(1, 4).toString()).toBe('PNG');
    }
    // Every split's frame scores are on disk, and re-deriving the AUC from them by brute force over all pairs
    // reproduces the report's number.
    for (const [split, m] of Object.entries(json.metrics) as [string, { auc: number; n: number }][]) {
      const file = join(out, 'scores', `${split.replace(':', '_')}.csv`);
      const [header, ...rows] = (await readFile(file, 'utf8')).trim().split('\n');
      expect(header).toBe('image,label,method,video,score');
      expect(rows).toHaveLength(m.n);
      const parsed = rows.map((r) => r.split(',')).map((f) => ({ label: Number(f[1]), score: Number(f[4]) }));
      const pos = parsed.filter((p) => p.label === 1);
      const neg = parsed.filter((p) => p.label === 0);
      let wins = 0;
      for (const p of pos) for (const q of neg) wins += p.score > q.score ? 1 : p.score === q.score ? 0.5 : 0;
      expect(wins / (pos.length * neg.length)).toBeCloseTo(m.auc, 12);
    }
  });

  it('test splits never drive selection: flipping every test label changes nothing but the test metrics', async () => {
    const meta = JSON.parse(await readFile(join(fw, 'faceworld.json'), 'utf8')) as {
      labelDict: Record<string, 0 | 1>;
    };
    const dir = await mkdtemp(join(tmpdir(), 'cs-dfd-train-adv-'));
    await mkdir(dir, { recursive: true });
    const labelMap: Record<string, 0 | 1> = { ...meta.labelDict };
    // Adversarial copy of an index: every label's test videos move to ADV_<label> with the opposite class.
    const adversarial = async (name: string) => {
      const index = JSON.parse(await readFile(join(fw, 'dataset_json', `${name}.json`), 'utf8'));
      const ds = index[name] as Record<string, Record<string, unknown>>;
      for (const label of Object.keys(ds)) {
        const test = ds[label]!.test as Record<string, unknown> | undefined;
        if (test === undefined) continue;
        const relabel = (node: unknown): unknown => {
          const o = node as Record<string, unknown>;
          if (Array.isArray(o.frames)) return { ...o, label: `ADV_${label}` };
          return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, relabel(v)]));
        };
        ds[`ADV_${label}`] = { test: relabel(test) };
        delete ds[label]!.test;
        labelMap[`ADV_${label}`] = (1 - meta.labelDict[label]!) as 0 | 1;
      }
      const file = join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify(index));
      return file;
    };
    const source = (files: { src: string; tgt: string }) => [
      'data.source=deepfakebench',
      `data.deepfakebench=${JSON.stringify({ root: fw, files: [files.src], crossDomain: [{ name: 'target', files: [files.tgt] }], labelMap })}`,
    ];
    const honest = {
      src: join(fw, 'dataset_json', 'faceworld-source.json'),
      tgt: join(fw, 'dataset_json', 'faceworld-target.json'),
    };
    const flipped = {
      src: await adversarial('faceworld-source'),
      tgt: await adversarial('faceworld-target'),
    };
    const run = async (files: { src: string; tgt: string }) => {
      const out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-sel-'));
      const { report } = await train({ config: resolveConfig(tinyRaw(source(files))), out });
      const evals = (await readLog(out)).filter((r) => r.type === 'eval');
      return { report, evals, best: await readFile(join(out, 'best', 'model.json'), 'utf8') };
    };
    const a = await run(honest);
    const b = await run(flipped);
    expect(b.evals).toEqual(a.evals);
    expect(b.report.selectedStep).toBe(a.report.selectedStep);
    expect(b.best).toBe(a.best);
    expect(b.report.metrics.val).toEqual(a.report.metrics.val);
    for (const split of ['test', 'cross:target']) {
      const [x, y] = [a.report.metrics[split]!, b.report.metrics[split]!];
      expect(x.n).toBe(y.n);
      // The same scores against complementary labels: AUC (Mann-Whitney, ties ½) is exactly complementary.
      expect(x.auc + y.auc).toBeCloseTo(1, 12);
    }
  });
});
