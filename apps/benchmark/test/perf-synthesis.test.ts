import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPerfCommands } from '../src/perf/command.js';
import { PerfOptionError } from '../src/perf/method-step.js';
import { keepUp, keepUpTable, synthesisSuite } from '../src/perf/synthesis.js';

describe('keepUp', () => {
  it('consumption, main-thread slowdown, worker ratio and workers needed, by hand', () => {
    const [a, b] = keepUp(
      [
        { method: 'joint', step_ms: 250, fakes_per_step: 8 }, // needs 8 / 0.25 s = 32/s
        { method: 'uvs+cgr', step_ms: 400, fakes_per_step: 8 }, // needs 20/s
      ],
      100, // main thread: 10 ms a fake
      25, // one worker
    );
    expect(a!.needed_per_s).toBeCloseTo(32, 12);
    expect(a!.main_slowdown).toBeCloseTo((250 + 80) / 250, 12);
    expect(a!.worker_ratio).toBeCloseTo(25 / 32, 12);
    expect(a!.workers_needed).toBe(2);
    expect(b!.needed_per_s).toBeCloseTo(20, 12);
    expect(b!.worker_ratio).toBeCloseTo(1.25, 12);
    expect(b!.workers_needed).toBe(1);
    const table = keepUpTable([a!, b!]).split('\n');
    expect(table[2]).toMatch(/\| joint .*\| 0\.78× +\| NO +\| 2 +\|$/);
    expect(table[3]).toMatch(/\| uvs\+cgr .*\| 1\.25× +\| yes \(1 worker\) +\| 1 +\|$/);
  });
  it('workers_needed is the least count whose combined rate covers the consumption', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0.1, max: 1e4, noNaN: true }),
        fc.double({ min: 0.1, max: 1e4, noNaN: true }),
        (step_ms, fakes_per_step, mainRate, workerRate) => {
          const [r] = keepUp([{ method: 'm', step_ms, fakes_per_step }], mainRate, workerRate);
          expect(r!.workers_needed * workerRate).toBeGreaterThanOrEqual(r!.needed_per_s * (1 - 1e-12));
          expect((r!.workers_needed - 1) * workerRate).toBeLessThan(r!.needed_per_s);
          expect(r!.main_slowdown).toBeGreaterThan(1);
          expect(r!.worker_ratio >= 1).toBe(r!.workers_needed <= 1);
        },
      ),
    );
  });
  it('a zero or non-finite rate or step time is a PerfOptionError naming it', () => {
    const c = [{ method: 'uvs', step_ms: 100, fakes_per_step: 8 }];
    expect(() => keepUp(c, 0, 10)).toThrow(/mainRate/);
    expect(() => keepUp(c, 10, Number.NaN)).toThrow(PerfOptionError);
    expect(() => keepUp([{ method: 'uvs', step_ms: 0, fakes_per_step: 8 }], 10, 10)).toThrow(
      /step_ms of uvs/,
    );
  });
});

describe('synthesisSuite', () => {
  it('times the main-thread and the one-worker SBI hooks: finite positive rates', async () => {
    const { rows, load_start } = await synthesisSuite({ size: 32, samples: 3, warmup: 1 });
    expect(load_start).toHaveLength(3);
    expect(rows.map((r) => [r.where, r.workers, r.size, r.samples])).toEqual([
      ['main', 0, 32, 3],
      ['pool', 1, 32, 3],
    ]);
    for (const r of rows) expect(Number.isFinite(r.images_per_s) && r.images_per_s > 0).toBe(true);
    expect(rows[0]!.ms_median).toBeGreaterThan(0);
  });
  it('rejects a bad option before any work', async () => {
    await expect(synthesisSuite({ samples: 0 })).rejects.toThrow(PerfOptionError);
  });
});

describe('the synthesis command with --steps-json', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'perf-synthesis-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts only methods that use SBI and writes rates and keep-up rows', async () => {
    const steps = join(dir, 'methods.json');
    const row = (method: string, ms: number) => ({
      method,
      ms_median: ms,
      ms_min: ms,
      ms_max: ms,
      vs_joint: 1,
    });
    await writeFile(
      steps,
      JSON.stringify({
        machine: 'machine: test',
        load_start: [0, 0, 0],
        load_end: [0, 0, 0],
        batch: { reals: 8, fakes: { original: 8, synthesized: 8 }, size: 64 },
        rows: [row('joint', 200), row('orig-only', 100), row('uvs+cgr', 300)],
      }),
    );
    const out = join(dir, 'synthesis.json');
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      const program = new Command('t').exitOverride();
      addPerfCommands(program);
      await program.parseAsync(
        [
          'synthesis',
          '--set=detector={"backbone":{"kind":"small-cnn","channels":[4]},"inputSize":32}',
          '--samples=2',
          '--warmup=0',
          `--steps-json=${steps}`,
          `--json=${out}`,
        ],
        { from: 'user' },
      );
    } finally {
      process.stdout.write = write;
    }
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(Object.keys(report).sort()).toEqual(['keep_up', 'machine', 'rates', 'step_machine']);
    expect(report.step_machine).toBe('machine: test');
    expect(report.keep_up.map((r: { method: string }) => r.method)).toEqual(['joint', 'uvs+cgr']);
    expect(report.keep_up[0].needed_per_s).toBeCloseTo(40, 9);
    expect(report.keep_up[1].needed_per_s).toBeCloseTo(8 / 0.3, 9);
    // the SBI side follows the detector's input side (the loader resizes frames to it before SBI)
    expect(report.rates.map((r: { size: number }) => r.size)).toEqual([32, 32]);
  });
  it('a file that is not a methods report is a PerfOptionError naming --steps-json', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"rows": 3}');
    const program = new Command('t').exitOverride();
    addPerfCommands(program);
    await expect(program.parseAsync(['synthesis', `--steps-json=${bad}`], { from: 'user' })).rejects.toThrow(
      /--steps-json/,
    );
  });
});
