// The command line itself: --help documents every option, bad input exits 1 naming the key, and `score` agrees
// with the trainer's own evaluation path.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadDetector } from '@cs-dfd/detectors';
import {
  ConfigSchema,
  decodeSplit,
  faceworldFolder,
  loadDatasets,
  resolveConfig,
  scoreImages,
  train,
} from '@cs-dfd/training';
import { beforeAll, describe, expect, it } from 'vitest';
import { CACHE, CLI, ensureBuilt, TINY_FACEWORLD, tinyRaw } from './fixture.js';

const run = promisify(execFile);
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  await ensureBuilt();
  await faceworldFolder(TINY_FACEWORLD, CACHE);
});

describe('cs-dfd-train', () => {
  it('--help lists every option, every top-level config section and the methods', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const opt of ['--config', '--set', '--out', '--resume', '--progress', 'score'])
      expect(stdout).toContain(opt);
    for (const m of [
      'orig-only',
      'syn-only',
      'joint',
      'uvs',
      'pcgrad',
      'cagrad',
      'mgda',
      'imtl',
      'aligned-mtl',
      'upgrad',
      'gradvac',
      'nash-mtl',
    ]) {
      expect(stdout).toContain(m);
    }
    for (const section of Object.keys(ConfigSchema.shape)) expect(stdout).toContain(section);
    const score = await cli(['score', '--help']);
    for (const opt of ['--checkpoint', '--json', 'paths']) expect(score.stdout).toContain(opt);
  });

  it('exits 1 with the key and value named for a bad --set', async () => {
    const { code, stderr } = await cli(['--set', 'train.batchSize=0', '--out', join(tmpdir(), 'never')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/train\.batchSize: .*\(got 0\)/);
  });

  it('score prints P(fake) per image, equal to the evaluation path, as text and JSON', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-score-'));
    const config = resolveConfig(tinyRaw(['train.steps=2', 'train.evalEvery=2']));
    await train({ config, out });
    const data = await loadDatasets(config);
    const records = data.eval.find((s) => s.name === 'test')!.records.slice(0, 5);
    const det = await loadDetector(join(out, 'best'));
    const expected = scoreImages(
      det,
      (await decodeSplit('t', records, det.config.inputSize)).images,
      det.config.inputSize,
      64,
    );
    det.dispose();
    const json = await cli(['score', '--checkpoint', out, '--json', ...records.map((r) => r.image)]);
    expect(json.code, json.stderr).toBe(0);
    const scored = JSON.parse(json.stdout) as { path: string; score: number }[];
    expect(scored.map((s) => s.path)).toEqual(records.map((r) => r.image));
    scored.forEach((s, i) => expect(s.score).toBeCloseTo(expected[i]!, 5));
    const text = await cli(['score', '--checkpoint', out, records[0]!.image]);
    expect(text.stdout.trim()).toBe(`${records[0]!.image}\t${expected[0]!.toFixed(4)}`);
    const missing = await cli(['score', '--checkpoint', out, join(out, 'nope.png')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.png: no such file or folder');

    // A file that does not decode is reported by name; the others are still scored; the exit code says so.
    const bad = join(out, 'not-an-image.png');
    await writeFile(bad, 'this is text');
    const mixed = await cli(['score', '--checkpoint', out, records[0]!.image, bad, records[1]!.image]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout.trim().split('\n')).toEqual([
      `${records[0]!.image}\t${expected[0]!.toFixed(4)}`,
      `${records[1]!.image}\t${expected[1]!.toFixed(4)}`,
    ]);
    expect(mixed.stderr).toContain(`cs-dfd-train: ${bad}: cannot decode image ${bad}`);
    expect(mixed.stderr).toContain('cs-dfd-train: 1 of 3 images could not be scored');
    const mixedJson = await cli(['score', '--checkpoint', out, '--json', bad]);
    expect(JSON.parse(mixedJson.stdout)).toEqual([
      { path: bad, score: null, error: expect.stringContaining('cannot decode image') },
    ]);

    const empty = join(out, 'empty-folder');
    await mkdir(empty);
    const none = await cli(['score', '--checkpoint', out, empty]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`${empty}: no images in this folder`);

    // Corrupt best/ weights: refused by name, never scored with.
    const model = JSON.parse(await readFile(join(out, 'best', 'model.json'), 'utf8'));
    const weights = join(out, 'best', model.weightsManifest[0].paths[0]);
    const bytes = await readFile(weights);
    bytes[bytes.length - 3]! ^= 0x40;
    await writeFile(weights, bytes);
    const corrupt = await cli(['score', '--checkpoint', out, records[0]!.image]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stdout).toBe('');
    expect(corrupt.stderr).toContain(`weights file ${weights} is corrupt`);
  }, 240_000);
});
