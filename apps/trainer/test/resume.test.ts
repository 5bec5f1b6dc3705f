// The resume promise: a run killed with SIGKILL mid-epoch and resumed with --resume ends with the same weights,
// bit for bit, as an uninterrupted run with the same seed. The killed run is the real CLI (dist/cli.js, rebuilt
// here); the uninterrupted one runs in process.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stepLog, weightsOf } from '@cs-dfd/test-utils/training';
import { CheckpointError, loadCheckpoint, resolveConfig, train } from '@cs-dfd/training';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, tinyRaw } from './fixture.js';

beforeAll(ensureBuilt);

// batchSize 3 over 8 training reals: an epoch is 2⅔ steps, so the checkpoint at step 4 is mid-epoch.
const BASE_SETS = ['train.steps=8', 'train.batchSize=3', 'train.checkpointEvery=2', 'train.evalEvery=4'];

function runCli(args: string[]): {
  child: ReturnType<typeof spawn>;
  done: Promise<{ code: number | null; signal: string | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, stderr })),
  );
  return { child, done };
}

async function stateStep(out: string): Promise<number> {
  try {
    return (JSON.parse(await readFile(join(out, 'checkpoint', 'state.json'), 'utf8')) as { step: number })
      .step;
  } catch {
    return -1;
  }
}

describe('resume after SIGKILL', () => {
  // The default method (uvs+cgr) on the main thread with one optimizer; joint on the two step workers
  // (train.workers) with backboneLrFactor 0.1, whose backbone and head have their own optimizers
  // (optimizer-backbone/-head.bin), both restored.
  it.each([
    ['uvs+cgr, main thread, one optimizer', [] as string[], ['optimizer.bin']],
    [
      'joint, two step workers, backboneLrFactor 0.1',
      ['method.name=joint', 'cgr.enabled=false', 'train.workers=2', 'optimizer.backboneLrFactor=0.1'],
      ['optimizer-backbone.bin', 'optimizer-head.bin'],
    ],
  ])(
    'reaches bitwise the same final weights, optimizer state and log as an uninterrupted run (%s)',
    async (_, extra, optimizerFiles) => {
      const SETS = [...BASE_SETS, ...extra];
      const tmp = await mkdtemp(join(tmpdir(), 'cs-dfd-train-resume-'));
      const configFile = join(tmp, 'tiny.json');
      await writeFile(configFile, JSON.stringify(tinyRaw(SETS)));
      const killedOut = join(tmp, 'killed');
      const straightOut = join(tmp, 'straight');

      const first = runCli(['--config', configFile, '--out', killedOut, '--progress', 'none']);
      const straight = train({ config: resolveConfig(tinyRaw(SETS)), out: straightOut });
      let killedAt = -1;
      for (;;) {
        const s = await stateStep(killedOut);
        if (s >= 4) {
          first.child.kill('SIGKILL');
          killedAt = s;
          break;
        }
        if (first.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const r1 = await first.done;
      expect(r1.signal, `the first run ended before it could be killed: ${r1.stderr}`).toBe('SIGKILL');
      expect(killedAt).toBeLessThan(8);

      const second = runCli(['--config', configFile, '--out', killedOut, '--progress', 'lines', '--resume']);
      const r2 = await second.done;
      expect(r2.code, r2.stderr).toBe(0);
      expect(r2.stderr).toMatch(/resumed at step \d+/);
      await straight;

      // The killed run is the CLI (workspace packages from dist/), the straight one runs in process (from src/): a
      // package whose dist/ is older than its src/ makes them differ, so the messages name the file.
      expect(
        (await weightsOf(join(killedOut, 'checkpoint', 'model'))).equals(
          await weightsOf(join(straightOut, 'checkpoint', 'model')),
        ),
        'checkpoint/model weights',
      ).toBe(true);
      expect(
        (await weightsOf(join(killedOut, 'best'))).equals(await weightsOf(join(straightOut, 'best'))),
        'best/ weights',
      ).toBe(true);
      for (const f of optimizerFiles) {
        const [a, b] = [join(killedOut, 'checkpoint', f), join(straightOut, 'checkpoint', f)];
        expect((await readFile(a)).equals(await readFile(b)), f).toBe(true);
      }
      const [ea, eb] = [
        join(killedOut, 'checkpoint', 'ema-gradients.bin'),
        join(straightOut, 'checkpoint', 'ema-gradients.bin'),
      ];
      expect((await readFile(ea)).equals(await readFile(eb)), 'ema-gradients.bin').toBe(true);
      // The EMA cosine after the resume depends on the restored EMAs, so the log comparison below covers them too.
      const log = await stepLog(killedOut);
      const steps = log.filter((r) => r.type === 'step');
      expect(steps).toHaveLength(8);
      for (const r of steps) {
        expect(r.emaCosine, `step ${r.step}`).toBeGreaterThanOrEqual(-1);
        expect(r.emaCosine, `step ${r.step}`).toBeLessThanOrEqual(1);
      }
      // The first step's EMAs are that step's gradients.
      expect(steps[0]!.emaCosine).toBeCloseTo(steps[0]!.cosine as number, 6);
      // The large-batch passes (every 2 steps in the fixture) are part of the log compared below: those after the
      // kill ran on the restored weights, from the diagnostics loader's own stream.
      const diag = log.filter((r) => r.type === 'diagnostics');
      expect(diag.map((r) => r.step)).toEqual([2, 4, 6, 8]);
      for (const d of diag) expect(typeof d.cosine).toBe('number');
      expect(log).toEqual(await stepLog(straightOut));
      const report = JSON.parse(await readFile(join(killedOut, 'report.json'), 'utf8'));
      const reference = JSON.parse(await readFile(join(straightOut, 'report.json'), 'utf8'));
      expect(report.metrics).toEqual(reference.metrics);
    },
  );

  it('refuses a checkpoint whose files do not match the manifest, naming the file', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-corrupt-'));
    await train({
      config: resolveConfig(tinyRaw(['train.steps=2', 'train.checkpointEvery=2', 'train.evalEvery=2'])),
      out,
    });
    const state = join(out, 'checkpoint', 'state.json');
    await writeFile(state, (await readFile(state, 'utf8')).replace('"step": 2', '"step": 1'));
    await expect(loadCheckpoint(out)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(out)).rejects.toThrow(/state\.json: SHA-256 mismatch/);
    const r = runCli(['--config', join(out, 'config.json'), '--out', out, '--resume', '--progress', 'none']);
    const { code, stderr } = await r.done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/state\.json: SHA-256 mismatch/);
  });
});
