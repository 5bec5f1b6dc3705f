import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, loadImage, parseDeepfakeBenchIndex, readDeepfakeBench } from '../src/index.js';
import { ffFixture, tmpDir, writeFFVideo } from './fixtures.js';

let ff: { root: string; df: string; f2f: string };
beforeAll(async () => {
  ff = await ffFixture();
});

function caught(run: () => unknown): DataError {
  try {
    run();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

describe('DeepfakeBench index reader (FF++ layout)', () => {
  it('keeps 000_003 of Deepfakes and of Face2Face as two videos, and FF-real once across both files', async () => {
    const r = await readDeepfakeBench([ff.df, ff.f2f], { root: ff.root, split: 'train', framesPerVideo: 4 });
    const ids = [...new Set(r.records.map((x) => x.videoId))];
    expect(ids).toEqual(['FF-DF/FF-real/000', 'FF-DF/FF-DF/000_003', 'FF-F2F/FF-F2F/000_003']);
    expect(r.videos).toBe(3);
    expect(r.records).toHaveLength(12);
    const byId = (id: string) => r.records.filter((x) => x.videoId === id);
    expect(byId('FF-DF/FF-real/000').every((x) => x.label === 0 && x.kind === 'real')).toBe(true);
    expect(byId('FF-F2F/FF-F2F/000_003').every((x) => x.label === 1 && x.kind === 'original')).toBe(true);
    // the pixels confirm the two same-named videos are different files (green = 2 for Deepfakes, 3 for Face2Face)
    const g = async (id: string) => (await loadImage(byId(id)[0]!.image)).data[1];
    expect([await g('FF-DF/FF-DF/000_003'), await g('FF-F2F/FF-F2F/000_003')]).toEqual([2, 3]);
  });

  it('samples frames evenly in natural order: 4 of 12 -> frames 0, 4, 7, 11', async () => {
    // round(linspace(0, 11, 4)) = round([0, 3.67, 7.33, 11]); the index lists "10.png" before "2.png"
    const r = await readDeepfakeBench(ff.df, { root: ff.root, split: 'train', framesPerVideo: 4 });
    const real = r.records.filter((x) => x.label === 0);
    expect(real.map((x) => x.frameIndex)).toEqual([0, 4, 7, 11]);
    expect(real.map((x) => path.basename(x.image))).toEqual(['0.png', '4.png', '7.png', '11.png']);
    // red channel = 10 · frame number
    expect((await loadImage(real[3]!.image)).data[0]).toBe(110);
  });

  it('pairs each frame with its landmark JSON (frames -> landmarks, .png -> .json)', async () => {
    const r = await readDeepfakeBench(ff.df, { root: ff.root, split: 'train', framesPerVideo: 1 });
    const rec = r.records[0]!;
    expect(rec.landmarks).toBe(
      rec.image
        .replace(`${path.sep}frames${path.sep}`, `${path.sep}landmarks${path.sep}`)
        .replace(/\.png$/, '.json'),
    );
  });

  it('filters by method', async () => {
    const r = await readDeepfakeBench(ff.df, { root: ff.root, split: 'train', methods: ['FF-real'] });
    expect(new Set(r.records.map((x) => x.method))).toEqual(new Set(['FF-real']));
  });

  it('reads datasets without a compression level (Celeb-DF style) and numeric labels', async () => {
    const index = {
      'Celeb-DF-v2': {
        CelebDFv2_real: { test: { id0_0000: { label: 'CelebDFv2_real', frames: ['a/0.png', 'a/1.png'] } } },
        mine: { test: { v: { label: 1, frames: ['b/0.png'] } } },
      },
    };
    const recs = parseDeepfakeBenchIndex(index, 'celeb.json', { root: '/data', split: 'test' });
    expect(recs.map((r) => [r.videoId, r.label, r.image])).toEqual([
      ['Celeb-DF-v2/CelebDFv2_real/id0_0000', 0, '/data/a/0.png'],
      ['Celeb-DF-v2/CelebDFv2_real/id0_0000', 0, '/data/a/1.png'],
      ['Celeb-DF-v2/mine/v', 1, '/data/b/0.png'],
    ]);
  });
});

describe('DeepfakeBench reader: bad input', () => {
  const opts = { root: '/data', split: 'train' as const };

  it('a schema error names the file and the key path', () => {
    const bad = { FF: { 'FF-DF': { train: { c23: { '000_003': { label: 'FF-DF', frames: 'x.png' } } } } } };
    const e = caught(() => parseDeepfakeBenchIndex(bad, '/idx/FF-DF.json', opts));
    expect(e.code).toBe('index-schema');
    expect(e.keyPath).toBe('FF > FF-DF > train > c23 > 000_003 > frames');
    expect(e.message).toContain('FF-DF.json > FF > FF-DF > train > c23 > 000_003 > frames');
    expect(e.file).toBe('/idx/FF-DF.json');
  });

  it('a split that is not an object', () => {
    const e = caught(() => parseDeepfakeBenchIndex({ FF: { 'FF-DF': { train: [] } } }, 'i.json', opts));
    expect(e.keyPath).toBe('FF > FF-DF > train');
  });

  it('an unknown label string', () => {
    const bad = { D: { mystery: { train: { v: { label: 'mystery', frames: ['a.png'] } } } } };
    const e = caught(() => parseDeepfakeBenchIndex(bad, 'i.json', opts));
    expect(e.code).toBe('unknown-label');
    expect(e.keyPath).toBe('D > mystery > train > v > label');
    expect(parseDeepfakeBenchIndex(bad, 'i.json', { ...opts, labelMap: { mystery: 1 } })[0]!.label).toBe(1);
  });

  it('a frame path outside the root: error, or a counted skip', async () => {
    const bad = {
      D: { 'FF-DF': { train: { v: { label: 'FF-DF', frames: ['../../etc/passwd', 'ok.png'] } } } },
    };
    const e = caught(() => parseDeepfakeBenchIndex(bad, 'i.json', opts));
    expect(e.code).toBe('path-escape');
    expect(e.message).toContain('i.json > D > FF-DF > train > v > frames > 0');
    const { SkipLog } = await import('../src/index.js');
    const log = new SkipLog();
    const recs = parseDeepfakeBenchIndex(bad, 'i.json', { ...opts, onBadSample: 'skip' }, log);
    expect(recs.map((r) => r.image)).toEqual(['/data/ok.png']);
    expect(log.summary()).toEqual({ 'path-escape': 1 });
    expect(log.items[0]!.file).toBe('/etc/passwd');
  });

  it('an absolute path inside the root is accepted, one outside is not', () => {
    const idx = (f: string) => ({ D: { 'FF-DF': { train: { v: { label: 'FF-DF', frames: [f] } } } } });
    expect(parseDeepfakeBenchIndex(idx('/data/x/1.png'), 'i.json', opts)[0]!.image).toBe('/data/x/1.png');
    expect(caught(() => parseDeepfakeBenchIndex(idx('/elsewhere/1.png'), 'i.json', opts)).code).toBe(
      'path-escape',
    );
  });

  it('an empty split and a missing index file', async () => {
    await expect(readDeepfakeBench(ff.df, { root: ff.root, split: 'test' })).rejects.toMatchObject({
      code: 'empty-split',
      file: ff.df,
    });
    await expect(readDeepfakeBench('/nope/x.json', { root: ff.root, split: 'test' })).rejects.toMatchObject({
      code: 'missing-file',
    });
    const dir = await tmpDir();
    await writeFile(path.join(dir, 'broken.json'), '{ "FF": ');
    await expect(
      readDeepfakeBench(path.join(dir, 'broken.json'), { root: dir, split: 'train' }),
    ).rejects.toMatchObject({
      code: 'index-schema',
    });
  });

  it('writeFFVideo helper lists frames lexicographically (so the natural sort is exercised)', async () => {
    const dir = await tmpDir();
    const rel = await writeFFVideo(dir, { folder: 'x', video: 'v', frames: 11, code: 0 });
    expect(path.basename(rel[2]!)).toBe('10.png');
  });
});
