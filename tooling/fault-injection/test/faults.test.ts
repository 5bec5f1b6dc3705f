// Fault injection against the built command line (DESIGN §9, §13): damaged frames in every split, two runs on one
// folder, corrupt weights, a low file-descriptor limit. Each case states what a user sees: the exit code and the
// message, never a stack trace; counts of what was skipped wherever the run reports.
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faceworldFolder } from '@cs-dfd/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(ROOT, 'apps/trainer/dist/cli.js');
const TINY = { identities: 6, targetIdentities: 2, videosPerIdentity: 1, frames: 2, size: 48 };
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

let work: string;
let pristine: string;

beforeAll(async () => {
  await stat(CLI).catch(() => {
    throw new Error(`${CLI} is missing: build first (npx -y pnpm@10.34.9 run build)`);
  });
  work = await mkdtemp(join(tmpdir(), 'cs-dfd-faults-'));
  pristine = join(work, 'pristine');
  await faceworldFolder(TINY, pristine);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let copies = 0;
/** A private copy of the tiny faceworld (cache folder) and a config file pointing the trainer at it. */
async function dataset(
  sets: Record<string, unknown> = {},
): Promise<{ cache: string; dir: string; config: string }> {
  const cache = join(work, `copy-${copies++}`);
  await cp(pristine, cache, { recursive: true });
  const dir = join(cache, (await readdir(cache)).find((n) => n.startsWith('faceworld-'))!);
  const config = join(cache, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      backend: 'wasm',
      data: { faceworld: { options: TINY, cacheDir: cache }, ...(sets.data as object) },
      detector: { backbone: { kind: 'small-cnn', channels: [4, 8] }, inputSize: 16, projectionDim: 8 },
      train: { steps: 4, batchSize: 4, evalEvery: 2, checkpointEvery: 2, ...(sets.train as object) },
      eval: { gradcam: 0 },
      diagnostics: { largeBatchSize: 6, largeBatchEvery: 2 },
    }),
  );
  return { cache, dir, config };
}

/** Frames (absolute paths) of one split of an index, real or fake (the compression level is optional in the layout). */
async function frames(
  dir: string,
  split: 'train' | 'val' | 'test',
  kind: 'real' | 'fake',
  index = 'faceworld-source.json',
): Promise<string[]> {
  type Node = { frames?: string[] } & { [key: string]: unknown };
  const json = JSON.parse(await readFile(join(dir, 'dataset_json', index), 'utf8')) as Record<
    string,
    Record<string, Record<string, Node>>
  >;
  const out: string[] = [];
  const collect = (node: Node): void => {
    if (Array.isArray(node.frames)) out.push(...node.frames.map((f) => join(dir, f)));
    else
      for (const child of Object.values(node)) if (child && typeof child === 'object') collect(child as Node);
  };
  for (const labels of Object.values(json)) {
    for (const [label, splits] of Object.entries(labels)) {
      if (label.endsWith('_real') === (kind === 'real') && splits[split]) collect(splits[split]);
    }
  }
  return out.sort();
}

type Damage = 'missing' | 'text' | 'empty' | 'truncated';
async function damage(file: string, how: Damage): Promise<void> {
  if (how === 'missing') await rm(file);
  else if (how === 'text') await writeFile(file, 'not an image, only text\n');
  else if (how === 'empty') await writeFile(file, '');
  else {
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length >> 1));
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function cli(args: string[], shell?: string): Promise<Run> {
  return new Promise((resolve) => {
    const cmd = shell === undefined ? process.execPath : 'bash';
    const argv =
      shell === undefined
        ? [CLI, ...args]
        : ['-c', `${shell} && exec "$0" "$@"`, process.execPath, CLI, ...args];
    execFile(
      cmd,
      argv,
      { maxBuffer: 1 << 24, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
const train = (config: string, out: string, extra: string[] = []) =>
  cli(['--config', config, '--out', out, '--progress', 'none', ...extra]);

describe('bad data ends the run with exit 1 and the file named, every time', () => {
  for (const how of ['missing', 'text', 'empty', 'truncated'] as const) {
    it(`a ${how} training frame (3 runs)`, async () => {
      const { dir, config } = await dataset();
      const [victim] = await frames(dir, 'train', 'real');
      await damage(victim!, how);
      const runs = await Promise.all([0, 1, 2].map((i) => train(config, join(dir, `out-${how}-${i}`))));
      for (const r of runs) {
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toContain(victim!);
        expect(r.stderr).toMatch(/^cs-dfd-train: /);
        expect(r.stderr).not.toMatch(STACK_LINE);
      }
    }, 240_000);
  }
});

describe('data.onBadSample=skip counts every skip, per split and reason, everywhere the run reports', () => {
  it('a corrupt training frame: stdout, report.json, report.md and log.jsonl', async () => {
    const { dir, config } = await dataset();
    const [victim] = await frames(dir, 'train', 'real');
    await damage(victim!, 'text');
    const out = join(dir, 'out');
    const r = await train(config, out, ['--set', 'data.onBadSample=skip']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'bad samples skipped (data.onBadSample=skip), train: 1 skipped (corrupt-image 1)',
    );
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.skippedSamples).toEqual({
      train: {
        count: 1,
        byReason: { 'corrupt-image': 1 },
        files: [expect.objectContaining({ file: victim, code: 'corrupt-image' })],
      },
    });
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain(
      '- bad samples skipped, train: 1 skipped (corrupt-image 1)',
    );
    const log = (await readFile(join(out, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.at(-1)).toEqual({ type: 'skipped-samples', step: 4, splits: report.skippedSamples });
  }, 120_000);

  it('a corrupt validation frame and a corrupt cross-domain frame are skipped and counted, not fatal', async () => {
    const { dir, config } = await dataset();
    const [val] = await frames(dir, 'val', 'fake');
    const [cross] = await frames(dir, 'test', 'fake', 'faceworld-target.json');
    await damage(val!, 'truncated');
    await damage(cross!, 'empty');
    const out = join(dir, 'out');
    const r = await train(config, out, ['--set', 'data.onBadSample=skip']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(Object.keys(report.skippedSamples).sort()).toEqual(['cross:faceworld-target', 'val']);
    expect(report.skippedSamples.val.files[0].file).toBe(val);
    expect(report.skippedSamples['cross:faceworld-target'].files[0].file).toBe(cross);
    const pristineCount = (await frames(dir, 'test', 'fake', 'faceworld-target.json')).length;
    expect(report.metrics['cross:faceworld-target'].nFake).toBe(pristineCount - 1);
  }, 120_000);

  it('without skip, a corrupt cross-domain frame fails the run before its first step', async () => {
    const { dir, config } = await dataset();
    const [cross] = await frames(dir, 'test', 'real', 'faceworld-target.json');
    await damage(cross!, 'text');
    const out = join(dir, 'out');
    const r = await train(config, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot decode image ${cross}`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    await expect(stat(join(out, 'log.jsonl'))).rejects.toThrow(); // no step ran
  }, 120_000);

  it('a validation split left with one class is an error, not a run selected on "AUC n/a"', async () => {
    const { dir, config } = await dataset();
    for (const f of await frames(dir, 'val', 'fake')) await damage(f, 'empty');
    const r = await train(config, join(dir, 'out'), ['--set', 'data.onBadSample=skip']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /split val: \d+ frames, all real: model selection by validation AUC needs reals and fakes/,
    );
  }, 120_000);
});

describe('one run per output folder', () => {
  it('a second trainer on a busy folder is refused; the first finishes with its own model', async () => {
    const { dir, config } = await dataset();
    const out = join(dir, 'shared-out');
    const first = spawn(process.execPath, [
      CLI,
      '--config',
      config,
      '--out',
      out,
      '--progress',
      'none',
      '--set',
      'train.steps=30',
    ]);
    let firstOut = '';
    first.stdout.on('data', (d) => {
      firstOut += d;
    });
    const firstDone = new Promise<number | null>((r) => first.on('exit', r));
    for (let i = 0; i < 600; i++) {
      if (
        await stat(join(out, '.run.lock')).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = await train(config, out, [
      '--set',
      'method.name=joint',
      '--set',
      'cgr.enabled=false',
      '--set',
      'train.steps=20',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`run folder ${out} is in use by pid ${first.pid} on this host`);
    expect(await firstDone).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.steps).toBe(30);
    expect(report.method).toBe('uvs+cgr');
    expect(firstOut).toContain('uvs+cgr on wasm: 30 steps');
    const steps = (await readFile(join(out, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'step');
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // The lock is gone with the run: the folder takes a new run of the same config.
    await expect(stat(join(out, '.run.lock'))).rejects.toThrow();
  }, 240_000);

  it('a fresh run of another config into a used folder is refused unless --force', async () => {
    const { dir, config } = await dataset();
    const out = join(dir, 'out');
    expect((await train(config, out)).code).toBe(0);
    const other = await train(config, out, ['--set', 'seed=9']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`run folder ${out} already holds a run of another config (seed: 0 -> 9)`);
    const forced = await train(config, out, ['--set', 'seed=9', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).seed).toBe(9);
  }, 240_000);
});

describe('weights are verified on every load', () => {
  it('--resume refuses corrupt best/ weights before training', async () => {
    const { dir, config } = await dataset();
    const out = join(dir, 'out');
    expect((await train(config, out)).code).toBe(0);
    const model = JSON.parse(await readFile(join(out, 'best', 'model.json'), 'utf8'));
    const weights = join(out, 'best', model.weightsManifest[0].paths[0]);
    const bytes = await readFile(weights);
    bytes[7]! ^= 1;
    await writeFile(weights, bytes);
    const r = await train(config, out, ['--resume', '--set', 'train.steps=6']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`weights file ${weights} is corrupt`);
    const steps = (await readFile(join(out, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'step');
    expect(steps).toHaveLength(4);
  }, 240_000);
});

describe('file reads are bounded', () => {
  it('a batch far larger than the file-descriptor limit trains (no EMFILE blamed on an intact file)', async () => {
    const { dir, config } = await dataset();
    const r = await cli(
      [
        '--config',
        config,
        '--out',
        join(dir, 'out'),
        '--progress',
        'none',
        '--set',
        'train.batchSize=300',
        '--set',
        'train.steps=1',
        '--set',
        'train.evalEvery=1',
      ],
      'ulimit -n 128',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('EMFILE');
  }, 240_000);
});

describe('a batch that cannot fit in memory is refused up front', () => {
  it('train.batchSize far beyond the wasm heap: exit 1 naming the key, the estimate and the limit, before any data is read', async () => {
    const cache = join(work, `copy-${copies++}`);
    const missing = join(cache, 'no-such-dataset');
    const config = join(work, `huge-batch-${copies}.json`);
    await writeFile(
      config,
      JSON.stringify({
        backend: 'wasm',
        // A dataset that does not exist: reading it would fail with another message.
        data: {
          source: 'deepfakebench',
          deepfakebench: { root: missing, files: [join(missing, 'index.json')] },
        },
        detector: { backbone: { kind: 'small-cnn', channels: [8] }, inputSize: 128, projectionDim: 8 },
        train: { steps: 2, batchSize: 16384 },
      }),
    );
    const r = await train(config, join(work, `out-huge-${copies}`));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^cs-dfd-train: config: train\.batchSize=16384 cannot fit in memory: a training step needs about [\d.]+ GiB of tensors \(estimated\), more than the [\d.]+ (GiB|MiB) of (the wasm backend heap limit \(wasm32: 4 GiB\)|available system memory)/m,
    );
    expect(r.stderr).not.toContain(missing);
    expect(r.stderr).not.toMatch(STACK_LINE);
  }, 240_000);
});
