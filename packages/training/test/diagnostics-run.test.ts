// The large-batch diagnostics inside a run: they observe only (turning them off changes no step, validation,
// weight or optimizer bit), their lines land in log.jsonl, report.json, report.md and the cosine plot, and the
// tensor count stays flat across passes.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type DiagnosticsRecord, resolveConfig, train } from '../src/index.js';
import { tinyRaw } from './fixture.js';

const readLog = async (dir: string) =>
  (await readFile(join(dir, 'log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const withoutMs = (r: Record<string, unknown>) => {
  const { ms: _ms, ...rest } = r;
  return rest;
};

const weightsOf = async (dir: string) => {
  const bin = (await readdir(dir)).find((f) => f.endsWith('.bin'))!;
  return readFile(join(dir, bin));
};

describe('large-batch diagnostics in a run', () => {
  it('observe only: with and without them every step and validation line and every weight is bitwise equal', async () => {
    const sets = ['train.steps=4', 'train.evalEvery=2', 'train.checkpointEvery=4'];
    const on = await mkdtemp(join(tmpdir(), 'cs-dfd-train-diag-on-'));
    const off = await mkdtemp(join(tmpdir(), 'cs-dfd-train-diag-off-'));
    const tensors: number[] = [];
    const { report } = await train({
      config: resolveConfig(tinyRaw(sets)),
      out: on,
      hooks: { afterStep: () => tensors.push(tf.memory().numTensors) },
    });
    const { report: reportOff } = await train({
      config: resolveConfig(tinyRaw([...sets, 'diagnostics.largeBatchEvery=0'])),
      out: off,
    });
    const [logOn, logOff] = [await readLog(on), await readLog(off)];
    const diag = logOn.filter((r) => r.type === 'diagnostics') as unknown as DiagnosticsRecord[];
    expect(diag.map((d) => d.step)).toEqual([2, 4]);
    expect(logOff.some((r) => r.type === 'diagnostics')).toBe(false);
    // The diagnostics line comes right after its validation line.
    expect(logOn.findIndex((r) => r.type === 'diagnostics')).toBe(
      logOn.findIndex((r) => r.type === 'eval' && r.step === 2) + 1,
    );
    expect(logOn.filter((r) => r.type !== 'diagnostics').map(withoutMs)).toEqual(logOff.map(withoutMs));
    for (const f of ['model', 'optimizer.bin', 'ema-gradients.bin']) {
      const [a, b] =
        f === 'model'
          ? [await weightsOf(join(on, 'checkpoint', f)), await weightsOf(join(off, 'checkpoint', f))]
          : [await readFile(join(on, 'checkpoint', f)), await readFile(join(off, 'checkpoint', f))];
      expect(a.equals(b), f).toBe(true);
    }
    expect(report.metrics).toEqual(reportOff.metrics);
    // Three passes' worth of accumulators came and went between steps: the count after each step is flat.
    expect(new Set(tensors.slice(1)).size).toBe(1);

    // The lines: tiny fixture batch 4, largeBatchSize 6 -> 2 chunks of 4 reals + 4 fakes per source.
    for (const d of diag) {
      expect(d.chunks).toBe(2);
      expect(d.samples).toEqual({ original: 16, synthesized: 16 });
      expect(d.reason).toBeUndefined();
      for (const s of ['original', 'synthesized']) {
        expect(Math.abs(d.splitHalf[s]!)).toBeLessThanOrEqual(1);
        expect(d.reliability[s]).toBeGreaterThanOrEqual(0);
        expect(d.reliability[s]).toBeLessThanOrEqual(1);
        expect(d.gradNorms[s]).toBeGreaterThan(0);
      }
      expect(Math.abs(d.cosine!)).toBeLessThanOrEqual(1);
      if (d.corrected !== null) expect(Math.abs(d.corrected!)).toBeLessThanOrEqual(1);
    }
    // The weights moved between the passes, so their numbers differ.
    expect(diag[0]!.cosine).not.toBe(diag[1]!.cosine);

    // report.json, report.md, the plot
    const json = JSON.parse(await readFile(join(on, 'report.json'), 'utf8'));
    expect(json.diagnostics).toEqual(diag.map(({ type: _t, ...rest }) => rest));
    expect(json.diagnosticsSeconds).toBeCloseTo(diag.reduce((t, d) => t + d.ms, 0) / 1000, 9);
    expect(reportOff.diagnostics).toEqual([]);
    const md = await readFile(join(on, 'report.md'), 'utf8');
    expect(md).toMatch(/## Gradient conflict on large batches/);
    expect(md).toContain(`| 4 | ${diag[1]!.cosine!.toFixed(3)} |`);
    expect(await readFile(join(off, 'report.md'), 'utf8')).not.toMatch(/large batches/);
    const svg = await readFile(join(on, 'plots', 'cosine.svg'), 'utf8');
    // The legend names every series (its text elements, not only the marks' aria labels).
    for (const label of ['minibatch, 25-step mean', 'EMA-gradient cosine', 'large batch, noise-corrected']) {
      expect(svg).toContain(`>${label}</text>`);
    }
  });

  it('a one-source method logs split halves without a cross cosine', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-diag-one-'));
    await train({
      config: resolveConfig(tinyRaw(['train.steps=2', 'method.name=orig-only'])),
      out,
    });
    const [d] = (await readLog(out)).filter(
      (r) => r.type === 'diagnostics',
    ) as unknown as DiagnosticsRecord[];
    expect(Object.keys(d!.splitHalf)).toEqual(['original']);
    expect(d!.cosine).toBeUndefined();
    expect(d!.corrected).toBeUndefined();
  });
});
