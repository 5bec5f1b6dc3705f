import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAMILIES,
  FAMILY_LABELS,
  Faceworld,
  generateDataset,
  IndexSchemaError,
  LandmarksSchema,
  landmarkPathFor,
  validateIndex,
} from '../src/index.js';

const OPTIONS = { seed: 5, identities: 6, targetIdentities: 2, videosPerIdentity: 1, frames: 2, size: 64 };

async function files(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(relative(root, join(e.parentPath, e.name)));
  return out.sort();
}

let dirA: string;
let dirB: string;
let dirC: string;

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'faceworld-'));
  dirA = join(base, 'a');
  dirB = join(base, 'b');
  dirC = join(base, 'c');
  await generateDataset(OPTIONS, { out: dirA, workers: 0 });
  await generateDataset(OPTIONS, { out: dirB, workers: 0, lanes: 1 });
  await generateDataset({ ...OPTIONS, seed: 6 }, { out: dirC, workers: 0 });
});

afterAll(async () => {
  await rm(join(dirA, '..'), { recursive: true, force: true });
});

describe('generateDataset', () => {
  it('same seed -> byte-identical index, meta, frames, landmarks and masks (whatever the concurrency)', async () => {
    const a = await files(dirA);
    expect(a).toEqual(await files(dirB));
    expect(a.filter((f) => f.endsWith('.png')).length).toBeGreaterThan(64);
    for (const f of a)
      expect((await readFile(join(dirA, f))).equals(await readFile(join(dirB, f))), f).toBe(true);
  });

  it('a different seed gives different frames', async () => {
    const f = 'faceworld-source/FW_real/frames';
    const [a] = (await files(join(dirA, f))).slice(0, 1);
    const [c] = (await files(join(dirC, f))).slice(0, 1);
    expect((await readFile(join(dirA, f, a!))).equals(await readFile(join(dirC, f, c!)))).toBe(false);
  });

  it('writes indexes that pass the DeepfakeBench schema, with every family in its split', async () => {
    const src = validateIndex(
      JSON.parse(await readFile(join(dirA, 'dataset_json/faceworld-source.json'), 'utf8')),
    );
    const tgt = validateIndex(
      JSON.parse(await readFile(join(dirA, 'dataset_json/faceworld-target.json'), 'utf8')),
    );
    const s = src['faceworld-source']!;
    const t = tgt['faceworld-target']!;
    for (const label of FAMILY_LABELS) {
      const info = FAMILIES[label];
      if (info.pool === 0) {
        for (const split of ['train', 'val', 'test'] as const) {
          const videos = (s[label]![split] as Record<string, Record<string, unknown>>).c23!;
          expect(Object.keys(videos).length, `${label} ${split}`).toBeGreaterThan(0);
        }
        expect(t[label]).toBeUndefined();
      } else {
        expect(Object.keys(t[label]!)).toEqual(['test']);
        expect(Object.keys(t[label]!.test!).length, label).toBe(2);
        expect(s[label]).toBeUndefined();
      }
    }
  });

  it('lists frame files that exist, with 68×2 landmark files equal to what renderFrame returns', async () => {
    const index = JSON.parse(await readFile(join(dirA, 'dataset_json/faceworld-target.json'), 'utf8'));
    const entry = index['faceworld-target'].FWT_swap.test as Record<string, { frames: string[] }>;
    const [videoId, { frames }] = Object.entries(entry)[0]!;
    expect(frames).toHaveLength(2);
    const world = new Faceworld(OPTIONS);
    const id = Number(videoId.split('_')[2]!.slice(1));
    const rendered = await world.renderFrame({ family: 'FWT_swap', identity: id, video: 0, frame: 1 });
    const lm = LandmarksSchema.parse(
      JSON.parse(await readFile(join(dirA, landmarkPathFor(frames[1]!)), 'utf8')),
    );
    lm.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(rendered.landmarks[2 * i]!, 3);
      expect(y).toBeCloseTo(rendered.landmarks[2 * i + 1]!, 3);
    });
    const png = await readFile(join(dirA, frames[1]!));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('marks the data synthetic in the metadata', async () => {
    const meta = JSON.parse(await readFile(join(dirA, 'faceworld.json'), 'utf8'));
    expect(meta.synthetic).toBe(true);
    expect(meta.notice).toMatch(/SYNTHETIC/);
    expect(meta.labelDict).toEqual({
      FW_real: 0,
      FW_swap: 1,
      FW_reenact: 1,
      FW_mouth: 1,
      FWT_real: 0,
      FWT_swap: 1,
      FWT_partial: 1,
      FWT_synth: 1,
    });
  });
});

describe('validateIndex', () => {
  const ok = {
    FF: { 'FF-real': { train: { c23: { '000': { label: 'FF-real', frames: ['FF/real/000/000.png'] } } } } },
  };

  it('accepts the DeepfakeBench layout with and without a compression level', () => {
    expect(validateIndex(ok)).toEqual(ok);
    expect(() =>
      validateIndex({ CDF: { CDF_real: { test: { id0: { label: 'CDF_real', frames: ['CDF/a.jpg'] } } } } }),
    ).not.toThrow();
  });

  it('rejects bad entries with a path to the offender', () => {
    const bad = (frames: string[], label = 'FF-real') => ({
      FF: { 'FF-real': { train: { c23: { '000': { label, frames } } } } },
    });
    expect(() => validateIndex(bad(['/abs/000.png']), 'x.json')).toThrow(
      /x\.json: FF\.FF-real\.train\.c23\.000\.frames\[0\]/,
    );
    expect(() => validateIndex(bad(['FF/../../etc/passwd.png']))).toThrow(IndexSchemaError);
    expect(() => validateIndex(bad(['FF/000.txt']))).toThrow(/not an image/);
    expect(() => validateIndex(bad(['FF/000.png'], 'FF-DF'))).toThrow(/label.*expected FF-real/);
    expect(() => validateIndex(bad([]))).toThrow(IndexSchemaError);
    expect(() => validateIndex({ FF: { 'FF-real': { training: {} } } })).toThrow(IndexSchemaError);
  });

  it('rejects a video id used under two labels (DeepfakeBench would merge them)', () => {
    const dup = {
      FF: {
        'FF-real': { test: { '000': { label: 'FF-real', frames: ['a/0.png'] } } },
        'FF-DF': { test: { '000': { label: 'FF-DF', frames: ['b/0.png'] } } },
      },
    };
    expect(() => validateIndex(dup)).toThrow(/also used/);
  });
});
