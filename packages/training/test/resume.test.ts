// Resuming in process: a checkpoint of a different config or an old version is refused, and stateful and seeded
// aggregators resume bit for bit (their state is checkpointed). The resume after SIGKILL through the command line
// is tested in apps/trainer.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stepLog, weightsOf } from '@cs-dfd/test-utils/training';
import { describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, makeOptimizer, resolveConfig, train } from '../src/index.js';
import { tinyRaw } from './fixture.js';

describe('resume', () => {
  it('refuses to resume with a different config', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-diff-'));
    await train({ config: resolveConfig(tinyRaw(['train.steps=2', 'train.checkpointEvery=2'])), out });
    await expect(
      train({
        config: resolveConfig(tinyRaw(['train.steps=2', 'train.checkpointEvery=2', 'optimizer.lr=0.5'])),
        out,
        resume: true,
      }),
    ).rejects.toThrow(
      /config differs from the checkpoint's .*; only train\.steps \(or train\.epochs\) may change; changed: optimizer\.lr: 0\.01 -> 0\.5$/,
    );
    // The refused resume left the run's own config.json (it names what the checkpoint was made with).
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).optimizer.lr).toBe(0.01);
  });

  it('refuses a version-1 checkpoint (no aggregator state or gradient EMAs), saying why', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-v1-'));
    await train({ config: resolveConfig(tinyRaw(['train.steps=1', 'train.checkpointEvery=1'])), out });
    const manifest = join(out, 'checkpoint', 'manifest.json');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('"version": 3', '"version": 1'));
    await expect(loadCheckpoint(out)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(out)).rejects.toThrow(
      /checkpoint version 1, expected 3: version 1 \(written before the aggregator state and the gradient EMAs were saved\) cannot be resumed bit for bit/,
    );
  });
});

describe('resume with parameter groups (optimizer.backboneLrFactor)', () => {
  const sets = (steps: number, factor: string) => [
    `train.steps=${steps}`,
    'train.batchSize=3',
    'train.checkpointEvery=2',
    'train.evalEvery=2',
    'schedule.kind=constant',
    `optimizer.backboneLrFactor=${factor}`,
  ];

  it("factor 0.1: resumed at 4 and run to 6 equals 6 straight bit for bit, both groups' optimizer states included", async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'cs-dfd-train-groups-'));
    const [resumed, straight] = [join(tmp, 'resumed'), join(tmp, 'straight')];
    await train({ config: resolveConfig(tinyRaw(sets(4, '0.1'))), out: resumed });
    const state = JSON.parse(await readFile(join(resumed, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.optimizerGroups).toEqual([
      { name: 'backbone', factor: 0.1 },
      { name: 'head', factor: 1 },
    ]);
    await train({ config: resolveConfig(tinyRaw(sets(6, '0.1'))), out: resumed, resume: true });
    await train({ config: resolveConfig(tinyRaw(sets(6, '0.1'))), out: straight });
    const model = async (o: string) => weightsOf(join(o, 'checkpoint', 'model'));
    expect((await model(resumed)).equals(await model(straight))).toBe(true);
    for (const f of ['optimizer-backbone.bin', 'optimizer-head.bin']) {
      expect(await sameFile(resumed, straight, f), f).toBe(true);
    }
    expect(await stepLog(resumed)).toEqual(await stepLog(straight));
  });

  it('a checkpoint of one factor refuses an optimizer of another, naming optimizerGroups', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-groups-refuse-'));
    await train({ config: resolveConfig(tinyRaw(sets(1, '0.1'))), out });
    const ck = await loadCheckpoint(out);
    const plain = makeOptimizer(resolveConfig(tinyRaw(sets(1, '1'))));
    await expect(ck.restoreOptimizer(plain)).rejects.toThrow(
      /state\.json: optimizerGroups: the checkpoint's optimizer has groups \[\{"name":"backbone","factor":0\.1\},\{"name":"head","factor":1\}\], this run's null/,
    );
    const frozen = makeOptimizer(resolveConfig(tinyRaw(sets(1, '0'))), ck.detector);
    await expect(ck.restoreOptimizer(frozen)).rejects.toThrow(CheckpointError);
    plain.dispose();
    frozen.dispose();
    ck.detector.dispose();
  });

  it('factor 0: the frozen backbone has no optimizer state; a resume continues bit for bit', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'cs-dfd-train-frozen-'));
    const [resumed, straight] = [join(tmp, 'resumed'), join(tmp, 'straight')];
    await train({ config: resolveConfig(tinyRaw(sets(2, '0'))), out: resumed });
    await expect(readFile(join(resumed, 'checkpoint', 'optimizer-backbone.bin'))).rejects.toThrow(/ENOENT/);
    await train({ config: resolveConfig(tinyRaw(sets(4, '0'))), out: resumed, resume: true });
    await train({ config: resolveConfig(tinyRaw(sets(4, '0'))), out: straight });
    expect(
      (await weightsOf(join(resumed, 'checkpoint', 'model'))).equals(
        await weightsOf(join(straight, 'checkpoint', 'model')),
      ),
    ).toBe(true);
    expect(await sameFile(resumed, straight, 'optimizer-head.bin')).toBe(true);
  });

  it('a version-2 checkpoint (one optimizer, the layout factor 1 still writes) resumes', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'cs-dfd-train-v2-'));
    const [resumed, straight] = [join(tmp, 'resumed'), join(tmp, 'straight')];
    await train({ config: resolveConfig(tinyRaw(sets(2, '1'))), out: resumed });
    const manifest = join(resumed, 'checkpoint', 'manifest.json');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('"version": 3', '"version": 2'));
    expect((await loadCheckpoint(resumed)).state.optimizerGroups).toBeNull();
    await train({ config: resolveConfig(tinyRaw(sets(4, '1'))), out: resumed, resume: true });
    await train({ config: resolveConfig(tinyRaw(sets(4, '1'))), out: straight });
    expect(await sameFile(resumed, straight, 'optimizer.bin')).toBe(true);
    expect(JSON.parse(await readFile(manifest, 'utf8')).version).toBe(3);
  });
});

describe('resume with a stateful aggregator (GradVac)', () => {
  // GradVac's EMA targets (β = 1: the last step's cosine) and its order RNG live in the aggregator. On this
  // fixture step 4's cosine (0.32) is below step 3's (0.63), so the restored targets make GradVac correct at
  // step 4 where a fresh instance (targets 0) would not: a lost state changes the weights, not only the log.
  // A constant learning rate so that the 4-step first leg sees the same schedule as the 6-step run.
  const sets = (steps: number) => [
    `train.steps=${steps}`,
    'train.batchSize=3',
    'train.checkpointEvery=2',
    'train.evalEvery=2',
    'schedule.kind=constant',
    'method.name=gradvac',
    'method.options={"beta":1}',
    'cgr.enabled=false',
  ];

  it('a run stopped at step 4 and resumed to 6 equals an uninterrupted 6-step run bit for bit', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'cs-dfd-train-gradvac-'));
    const resumed = join(tmp, 'resumed');
    const straight = join(tmp, 'straight');
    await train({ config: resolveConfig(tinyRaw(sets(4))), out: resumed });
    const state = JSON.parse(await readFile(join(resumed, 'checkpoint', 'state.json'), 'utf8'));
    expect(state.aggregator.K).toBe(2);
    expect(Math.abs(state.aggregator.targets[1])).toBeGreaterThan(0);
    expect(state.emaCosine).toEqual({ beta: 0.9, count: 4 });
    await train({ config: resolveConfig(tinyRaw(sets(6))), out: resumed, resume: true });
    await train({ config: resolveConfig(tinyRaw(sets(6))), out: straight });
    for (const f of ['optimizer.bin', 'ema-gradients.bin']) {
      expect(
        (await readFile(join(resumed, 'checkpoint', f))).equals(
          await readFile(join(straight, 'checkpoint', f)),
        ),
        f,
      ).toBe(true);
    }
    expect(
      (await weightsOf(join(resumed, 'checkpoint', 'model'))).equals(
        await weightsOf(join(straight, 'checkpoint', 'model')),
      ),
    ).toBe(true);
    const [a, b] = await Promise.all(
      [resumed, straight].map(async (o) =>
        JSON.parse(await readFile(join(o, 'checkpoint', 'state.json'), 'utf8')),
      ),
    );
    expect(a.aggregator).toEqual(b.aggregator);
    expect(await stepLog(resumed)).toEqual(await stepLog(straight));
  });
});

/**
 * What a trainer that did not save the aggregator's state would leave: `state.aggregator` null (the manifest's
 * checksum updated, so the checkpoint still loads). The resume then starts the method from a fresh instance.
 */
async function dropAggregatorState(out: string): Promise<void> {
  const dir = join(out, 'checkpoint');
  const stateFile = join(dir, 'state.json');
  const state = JSON.parse(await readFile(stateFile, 'utf8'));
  state.aggregator = null;
  const text = `${JSON.stringify(state, null, 2)}\n`;
  await writeFile(stateFile, text);
  const manifestFile = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  manifest.sha256['state.json'] = createHash('sha256').update(text).digest('hex');
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
}

const stateOf = async (out: string) =>
  JSON.parse(await readFile(join(out, 'checkpoint', 'state.json'), 'utf8')) as {
    aggregator: Record<string, unknown> | null;
  };

/**
 * 4 steps, resume to 6, against 6 straight; and the same resume from a copy of the 4-step folder whose checkpoint
 * lost the aggregator state. Returns the three folders.
 */
async function resumeLegs(method: string): Promise<{ resumed: string; straight: string; lost: string }> {
  const sets = (steps: number) => [
    `train.steps=${steps}`,
    'train.batchSize=3',
    'train.checkpointEvery=2',
    'train.evalEvery=2',
    'schedule.kind=constant',
    `method.name=${method}`,
    'cgr.enabled=false',
  ];
  const tmp = await mkdtemp(join(tmpdir(), `cs-dfd-train-${method}-`));
  const [resumed, straight, lost] = ['resumed', 'straight', 'lost'].map((n) => join(tmp, n)) as [
    string,
    string,
    string,
  ];
  await train({ config: resolveConfig(tinyRaw(sets(4))), out: resumed });
  await cp(resumed, lost, { recursive: true });
  await dropAggregatorState(lost);
  await train({ config: resolveConfig(tinyRaw(sets(6))), out: resumed, resume: true });
  await train({ config: resolveConfig(tinyRaw(sets(6))), out: lost, resume: true });
  await train({ config: resolveConfig(tinyRaw(sets(6))), out: straight });
  return { resumed, straight, lost };
}

const sameFile = async (a: string, b: string, f: string) =>
  (await readFile(join(a, 'checkpoint', f))).equals(await readFile(join(b, 'checkpoint', f)));

describe('resume with the seeded aggregators (PCGrad, GradDrop)', () => {
  it('PCGrad: resumed equals uninterrupted bit for bit, its order stream included; without the state it is not', async () => {
    const { resumed, straight, lost } = await resumeLegs('pcgrad');
    expect(
      (await weightsOf(join(resumed, 'checkpoint', 'model'))).equals(
        await weightsOf(join(straight, 'checkpoint', 'model')),
      ),
    ).toBe(true);
    expect(await sameFile(resumed, straight, 'optimizer.bin')).toBe(true);
    expect(await stepLog(resumed)).toEqual(await stepLog(straight));
    const want = (await stateOf(straight)).aggregator;
    expect(Object.keys(want!)).toEqual(['rng']);
    expect((await stateOf(resumed)).aggregator).toEqual(want);
    // Without the state the order stream restarts from the seed. With K = 2 sources the order cannot change an
    // update (each source has one other), so only the stream position shows it: a 3+-source run would diverge.
    expect((await stateOf(lost)).aggregator).not.toEqual(want);
  });

  it('GradDrop: resumed equals uninterrupted bit for bit; without the state the drops, weights and log differ', async () => {
    const { resumed, straight, lost } = await resumeLegs('graddrop');
    const model = async (o: string) => weightsOf(join(o, 'checkpoint', 'model'));
    expect((await model(resumed)).equals(await model(straight))).toBe(true);
    expect(await sameFile(resumed, straight, 'optimizer.bin')).toBe(true);
    expect(await stepLog(resumed)).toEqual(await stepLog(straight));
    const want = (await stateOf(straight)).aggregator;
    expect(Object.keys(want!)).toEqual(['uniforms']);
    expect((await stateOf(resumed)).aggregator).toEqual(want);
    expect((await stateOf(lost)).aggregator).not.toEqual(want);
    expect((await model(lost)).equals(await model(straight))).toBe(false);
    expect(await stepLog(lost)).not.toEqual(await stepLog(straight));
  });
});

describe('resume with the two step workers (train.workers = 2)', () => {
  // 4 steps on the main thread, resumed to 6 on the workers (train.workers may change on resume: it is not in the
  // resume hash), against 6 straight on the main thread: the workers' step equals the main thread's bit for bit
  // (step-workers.test.ts), so the runs must too, BatchNorm statistics (in the weights), Adam state, gradient EMAs
  // and per-step log included.
  const sets = (steps: number, workers: 0 | 2) => [
    `train.steps=${steps}`,
    'train.batchSize=3',
    'train.checkpointEvery=2',
    'train.evalEvery=2',
    'schedule.kind=constant',
    'method.name=joint',
    'cgr.enabled=false',
    `train.workers=${workers}`,
  ];

  it('a 4-step main-thread run resumed to 6 on the workers equals 6 straight main-thread steps bit for bit', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'cs-dfd-train-workers-'));
    const resumed = join(tmp, 'resumed');
    const straight = join(tmp, 'straight');
    await train({ config: resolveConfig(tinyRaw(sets(4, 0))), out: resumed });
    const messages: string[] = [];
    await train({
      config: resolveConfig(tinyRaw(sets(6, 2))),
      out: resumed,
      resume: true,
      onEvent: (e) => {
        if (e.type === 'message') messages.push(e.text);
      },
    });
    expect(messages).toContain('step workers: 2 (train.workers = 2)');
    await train({ config: resolveConfig(tinyRaw(sets(6, 0))), out: straight });
    for (const f of ['optimizer.bin', 'ema-gradients.bin']) {
      expect(await sameFile(resumed, straight, f), f).toBe(true);
    }
    expect(
      (await weightsOf(join(resumed, 'checkpoint', 'model'))).equals(
        await weightsOf(join(straight, 'checkpoint', 'model')),
      ),
    ).toBe(true);
    const log = await stepLog(straight);
    expect(log.filter((r) => r.losses !== undefined)).toHaveLength(6);
    expect(await stepLog(resumed)).toEqual(log);
  });
});
