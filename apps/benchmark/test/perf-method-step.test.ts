import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@cs-dfd/backend';
import { ConfigError, type TrainConfigInput } from '@cs-dfd/training';
import { Command } from 'commander';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRID_METHODS } from '../src/grid/types.js';
import { addPerfCommands } from '../src/perf/command.js';
import {
  conflictingBatch,
  interleave,
  type MethodSamples,
  methodConfig,
  methodRows,
  methodStepSuite,
  methodTable,
  PerfOptionError,
  prepareMethod,
  STEP_METHODS,
  stepParts,
  targetCell,
} from '../src/perf/method-step.js';

/** A 16×16 detector with 4 channels: the trainer's step code, small enough for a test. */
const TINY: TrainConfigInput = {
  detector: { backbone: { kind: 'small-cnn', channels: [4] }, inputSize: 16, projectionDim: 4 },
  train: { batchSize: 2 },
  seed: 1,
};

const samples = (ms: number[], extra: Partial<MethodSamples> = {}): MethodSamples => ({
  ms,
  rounds: ms.map(() => 0),
  parts: ms.map((total) => ({ total, perTask: [total / 2], features: 0, extra: 0, aggregate: 0, apply: 0 })),
  conflicts: 0,
  tensorGrowth: 0,
  ...extra,
});

describe('interleave', () => {
  it('runs rounds of `round` steps with the method order rotated each round', () => {
    expect(interleave(['a', 'b', 'c'], 5, 2)).toEqual([
      { method: 'a', steps: 2, round: 0 },
      { method: 'b', steps: 2, round: 0 },
      { method: 'c', steps: 2, round: 0 },
      { method: 'b', steps: 2, round: 1 },
      { method: 'c', steps: 2, round: 1 },
      { method: 'a', steps: 2, round: 1 },
      { method: 'c', steps: 1, round: 2 },
      { method: 'a', steps: 1, round: 2 },
      { method: 'b', steps: 1, round: 2 },
    ]);
  });
  it('gives every method exactly `steps` steps, each method once per round, no run longer than a round', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 12 }),
        (methods, steps, round) => {
          const runs = interleave(methods, steps, round);
          for (const m of methods)
            expect(runs.filter((r) => r.method === m).reduce((a, r) => a + r.steps, 0)).toBe(steps);
          expect(runs.every((r) => r.steps >= 1 && r.steps <= round)).toBe(true);
          const M = methods.length;
          expect(runs.length % M).toBe(0);
          for (let r = 0; r < runs.length / M; r++) {
            const block = runs.slice(r * M, (r + 1) * M);
            expect(new Set(block.map((x) => x.method)).size).toBe(M);
            // consecutive rounds start with different methods
            if (r > 0 && M > 1) expect(block[0]!.method).not.toBe(runs[(r - 1) * M]!.method);
          }
        },
      ),
    );
  });
  it('rejects bad options with a PerfOptionError naming the option', () => {
    const bad: [() => unknown, string][] = [
      [() => interleave([], 3, 1), 'methods'],
      [() => interleave(['a', 'a'], 3, 1), 'methods'],
      [() => interleave(['a'], 0, 1), 'steps'],
      [() => interleave(['a'], 3, 1.5), 'round'],
    ];
    for (const [f, option] of bad) {
      expect(f).toThrow(PerfOptionError);
      try {
        f();
      } catch (e) {
        expect((e as PerfOptionError).option).toBe(option);
      }
    }
  });
});

describe('methodRows', () => {
  it('medians, ratios to joint and target marks, by hand', () => {
    const rows = methodRows(
      new Map([
        ['joint', samples([10, 12, 11])], // median 11
        ['uvs', samples([11, 13, 12, 100])], // median 12.5: 12.5/11 = 1.136 > 1.1
        ['uvs+cgr', samples([15, 16, 14])], // median 15: 15/11 = 1.364 <= 1.5
        ['orig-only', samples([6])],
      ]),
      { uvs: 1.1, 'uvs+cgr': 1.5 },
      new Map([['orig-only', 1]]),
    );
    expect(rows.map((r) => r.method)).toEqual(['joint', 'uvs', 'uvs+cgr', 'orig-only']);
    expect(rows[0]).toMatchObject({
      ms_median: 11,
      ms_min: 10,
      ms_max: 12,
      vs_joint: 1,
      target: null,
      meets: null,
    });
    expect(rows[1]!.ms_median).toBe(12.5);
    expect(rows[1]!.vs_joint).toBeCloseTo(12.5 / 11, 12);
    expect(rows[1]).toMatchObject({ target: 1.1, meets: false, ms_max: 100 });
    expect(rows[2]!.vs_joint).toBeCloseTo(15 / 11, 12);
    expect(rows[2]).toMatchObject({ target: 1.5, meets: true });
    expect(rows[3]!.conflict_fraction).toBeNull();
    expect(rows[0]!.conflict_fraction).toBe(0);
    expect(targetCell(rows[1]!)).toBe('≤ 1.1: MISSED');
    expect(targetCell(rows[2]!)).toBe('≤ 1.5: met');
    expect(targetCell(rows[0]!)).toBe('');
    const table = methodTable(rows).split('\n');
    expect(table[2]).toMatch(/^\| joint .*\| 1\.00× /);
    expect(table[3]).toMatch(/\| uvs .*\| 1\.14× +\| ≤ 1\.1: MISSED +\|/);
    expect(table[4]).toMatch(/\| uvs\+cgr .*\| 1\.36× +\| ≤ 1\.5: met +\|/);
  });
  it('a ratio is scale-free and joint is 1: timings scaled by any factor give the same ratios', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 9 }),
        fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 9 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        (joint, uvs, k) => {
          const a = methodRows(
            new Map([
              ['joint', samples(joint)],
              ['uvs', samples(uvs)],
            ]),
          );
          const b = methodRows(
            new Map([
              ['joint', samples(joint.map((x) => x * k))],
              ['uvs', samples(uvs.map((x) => x * k))],
            ]),
          );
          expect(a[0]!.vs_joint).toBe(1);
          expect(b[1]!.vs_joint!).toBeCloseTo(a[1]!.vs_joint!, 9);
          expect(a[1]!.ms_min).toBeLessThanOrEqual(a[1]!.ms_median);
          expect(a[1]!.ms_median).toBeLessThanOrEqual(a[1]!.ms_max);
          expect(a[1]!.meets).toBe(a[1]!.vs_joint! <= 1.1);
        },
      ),
    );
  });
  it('the paired ratio compares round by round, so load that drifts between rounds cancels', () => {
    // Round 0 is quiet, round 1 runs at 3x the time (load), round 2 at 2x; uvs is 1.1x joint within each round.
    const joint = { ...samples([10, 10, 30, 30, 20, 20]), rounds: [0, 0, 1, 1, 2, 2] };
    const uvs = { ...samples([11, 11, 33, 33]), rounds: [0, 0, 1, 1] }; // uvs missed round 2
    const [, row] = methodRows(
      new Map([
        ['joint', joint],
        ['uvs', uvs],
      ]),
    );
    expect(row!.vs_joint_paired).toBeCloseTo(1.1, 12); // rounds 0 and 1 only
    expect(row!.vs_joint).toBeCloseTo(22 / 20, 12); // medians 22 and 20: the same here by luck of the load
    const drift = { ...samples([11, 11, 11, 33]), rounds: [0, 0, 0, 1] };
    // unpaired: median 11 / 20 = 0.55, although the method is slower than joint in every round it ran
    const [, d] = methodRows(
      new Map([
        ['joint', joint],
        ['uvs', drift],
      ]),
    );
    expect(d!.vs_joint).toBeCloseTo(0.55, 12);
    expect(d!.vs_joint_paired).toBeCloseTo(1.1, 12);
  });
  it('without joint the ratio and the verdict are null (not NaN); a method without steps is an error', () => {
    const [row] = methodRows(new Map([['uvs', samples([3, 4])]]));
    expect(row).toMatchObject({ vs_joint: null, vs_joint_paired: null, meets: null, ms_median: 3.5 });
    expect(targetCell(row!)).toBe('≤ 1.1: no joint row');
    expect(() => methodRows(new Map([['joint', samples([])]]))).toThrow(PerfOptionError);
  });
  it('stepParts: medians per part; `other` is wall time minus the step timing', () => {
    const parts = stepParts(
      [
        { total: 10, perTask: [4, 5], features: 0, extra: 0, aggregate: 1, apply: 0.5 },
        { total: 20, perTask: [8, 9], features: 2, extra: 1, aggregate: 3, apply: 1.5 },
        { total: 30, perTask: [6, 7], features: 4, extra: 2, aggregate: 2, apply: 1 },
      ],
      [11, 24, 30.5],
    );
    expect(parts).toEqual({
      per_source: [6, 7],
      features: 2,
      cgr_extra: 1,
      aggregate: 2,
      apply: 1,
      other: 1,
    });
  });
});

describe('methodConfig', () => {
  it('+cgr switches CGR on; a plain label switches it off (the trainer defaults it on)', () => {
    const a = methodConfig('uvs+cgr', { cgr: { weight: 0.3 } });
    expect([a.method.name, a.cgr.enabled, a.cgr.weight]).toEqual(['uvs', true, 0.3]);
    const b = methodConfig('uvs');
    expect([b.method.name, b.cgr.enabled]).toEqual(['uvs', false]);
    expect(methodConfig('joint+cgr').cgr.enabled).toBe(true);
  });
  it('a label without a method name is a PerfOptionError; an unknown method a ConfigError before any step', async () => {
    expect(() => methodConfig('+cgr')).toThrow(PerfOptionError);
    await expect(methodStepSuite({ methods: ['joint', 'no-such'], steps: 1 })).rejects.toThrow(ConfigError);
    // the one label parser: +cgr on a one-source method is refused like the grid refuses it
    expect(() => methodConfig('orig-only+cgr')).toThrow(ConfigError);
  });
  it('@workers times the two-worker step (train.workers 2); a plain label the main thread (0)', async () => {
    expect(methodConfig('joint@workers').train.workers).toBe(2);
    expect(methodConfig('joint@workers').method.name).toBe('joint');
    expect(methodConfig('uvs').train.workers).toBe(0);
    expect(() => methodConfig('@workers')).toThrow(PerfOptionError);
    // CGR cannot run on the workers: refused before any step
    await expect(methodStepSuite({ methods: ['uvs+cgr@workers'], steps: 1 })).rejects.toThrow(
      /train\.workers: 2 needs a two-source method without CGR/,
    );
  });

  it("times the grid's rows, joint first, without syn-only (whose step is orig-only's)", () => {
    expect(STEP_METHODS).toEqual([
      'joint',
      'orig-only',
      'pcgrad',
      'cagrad',
      'mgda',
      'imtl',
      'upgrad',
      'uvs',
      'uvs+cgr',
    ]);
    expect(new Set(GRID_METHODS)).toEqual(new Set([...STEP_METHODS, 'syn-only']));
  });
});

describe("the trainer's step on a tiny detector", () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('every method changes the parameters differently from the same start on the same batch', async () => {
    const base: TrainConfigInput = { ...TINY, optimizer: { name: 'sgd', lr: 0.1 } };
    const batch = conflictingBatch(16, 2, 1);
    const updates = new Map<string, Float64Array>();
    let jointCosine: number | undefined;
    for (const m of STEP_METHODS) {
      const p = await prepareMethod(m, base, batch);
      try {
        const before = [...p.detector.namedWeights()].map(([, v]) => v.dataSync().slice());
        const { result, cosine } = await p.step();
        expect(result.skipped).toBe(false);
        if (m === 'joint') jointCosine = cosine;
        const after = [...p.detector.namedWeights()].map(([, v]) => v.dataSync());
        const delta = before.flatMap((b, i) => Array.from(b, (x, j) => after[i]![j]! - x));
        updates.set(m, Float64Array.from(delta));
      } finally {
        await p.dispose();
      }
    }
    // The sources must conflict here: without conflict PCGrad and UPGrad legitimately equal joint (measured:
    // identical updates at a positive cosine), and this test could not tell a method from its label.
    expect(jointCosine).toBeLessThan(-0.2);
    const norm = (v: Float64Array) => Math.hypot(...v);
    for (const [a, u] of updates) {
      expect(norm(u)).toBeGreaterThan(0);
      for (const [b, v] of updates) {
        if (a >= b) continue;
        const diff = norm(u.map((x, i) => x - v[i]!));
        expect(diff / Math.max(norm(u), norm(v)), `${a} vs ${b}`).toBeGreaterThan(1e-3);
      }
    }
  });

  describe('the methods command end to end (2 steps per method)', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'perf-methods-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes the JSON report: every method, finite positive times, joint = 1, no leaked tensors', async () => {
      const file = join(dir, 'methods.json');
      const printed: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((s: string) => {
        printed.push(String(s));
        return true;
      }) as typeof process.stdout.write;
      try {
        const program = new Command('t').exitOverride();
        addPerfCommands(program);
        await program.parseAsync(
          [
            'methods',
            '--steps=2',
            '--warmup=1',
            '--round=1',
            '--set=detector={"backbone":{"kind":"small-cnn","channels":[4]},"inputSize":16,"projectionDim":4}',
            '--set=train.batchSize=2',
            `--json=${file}`,
          ],
          { from: 'user' },
        );
      } finally {
        process.stdout.write = write;
      }
      const report = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      expect(Object.keys(report).sort()).toEqual(['batch', 'load_end', 'load_start', 'machine', 'rows']);
      expect(report.machine).toMatch(/^machine: .* \| backend wasm/);
      expect(report.batch).toEqual({ reals: 2, fakes: { original: 2, synthesized: 2 }, size: 16 });
      const rows = report.rows as Record<string, unknown>[];
      expect(rows.map((r) => r.method)).toEqual([...STEP_METHODS]);
      for (const r of rows) {
        for (const k of ['ms_median', 'ms_min', 'ms_max'] as const) {
          expect(typeof r[k]).toBe('number');
          expect(Number.isFinite(r[k]) && (r[k] as number) > 0, `${r.method} ${k}`).toBe(true);
        }
        expect(r.steps).toBe(2);
        expect(r.tensor_growth).toBe(0);
        expect(typeof r.vs_joint).toBe('number');
        expect(r.vs_joint).toBeCloseTo((r.ms_median as number) / (rows[0]!.ms_median as number), 12);
        expect(Number.isFinite(r.vs_joint_paired) && (r.vs_joint_paired as number) > 0).toBe(true);
      }
      expect(rows[0]!.vs_joint).toBe(1);
      const cgr = rows.find((r) => r.method === 'uvs+cgr')!.parts as Record<string, number>;
      expect(cgr.features).toBeGreaterThan(0); // CGR's feature pass is timed as its own part
      const text = printed.join('');
      expect(text).toMatch(/\| uvs\+cgr .*≤ 1\.5: (met|MISSED)/);
      expect(text).toMatch(/target uvs ≤ 1\.1× joint: \d+\.\d\d× — (met|MISSED by)/);
    });
  });
});
