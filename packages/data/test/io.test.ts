import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  colourJitter,
  DataError,
  evenlySpaced,
  flipHorizontal,
  loadImage,
  loadLandmarks,
  readImageFolder,
} from '../src/index.js';
import { landmarks68, png, tmpDir } from './fixtures.js';

describe('evenlySpaced', () => {
  it('hand values', () => {
    expect(evenlySpaced(12, 4)).toEqual([0, 4, 7, 11]); // round([0, 11/3, 22/3, 11])
    expect(evenlySpaced(300, 3)).toEqual([0, 150, 299]); // round([0, 149.5, 299]); Math.round(149.5) = 150
    expect(evenlySpaced(5, 8)).toEqual([0, 1, 2, 3, 4]);
    expect(evenlySpaced(9, 1)).toEqual([4]);
  });

  it('strictly increasing, min(count, total) long, first and last frame included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 2, max: 300 }), (total, count) => {
        const idx = evenlySpaced(total, count);
        expect(idx).toHaveLength(Math.min(total, count));
        for (let i = 1; i < idx.length; i++) expect(idx[i]!).toBeGreaterThan(idx[i - 1]!);
        expect(idx[0]).toBe(0);
        expect(idx.at(-1)).toBe(total - 1);
      }),
    );
  });

  it('rejects a count below 1', () => {
    expect(() => evenlySpaced(10, 0)).toThrow(DataError);
  });
});

describe('loadImage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tmpDir();
  });

  it('decodes exact RGB values and resizes', async () => {
    await png(path.join(dir, 'a.png'), 12, 34, 56, 6);
    const img = await loadImage(path.join(dir, 'a.png'));
    expect([img.width, img.height, img.data.length]).toEqual([6, 6, 108]);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([12, 34, 56]);
    const small = await loadImage(path.join(dir, 'a.png'), 3);
    expect([small.width, small.sourceWidth, small.data[1]]).toEqual([3, 6, 34]);
  });

  it('expands grey and drops alpha to 3 channels', async () => {
    const grey = path.join(dir, 'g.png');
    await sharp(Buffer.alloc(16, 77), { raw: { width: 4, height: 4, channels: 1 } })
      .png()
      .toFile(grey);
    const rgba = path.join(dir, 'rgba.png');
    await sharp(Buffer.alloc(64, 200), { raw: { width: 4, height: 4, channels: 4 } })
      .png()
      .toFile(rgba);
    expect(Array.from((await loadImage(grey)).data.subarray(0, 3))).toEqual([77, 77, 77]);
    expect((await loadImage(rgba)).data.length).toBe(48);
  });

  it('missing and corrupt files -> typed errors naming the file', async () => {
    const missing = path.join(dir, 'none.png');
    await expect(loadImage(missing)).rejects.toMatchObject({ code: 'missing-file', file: missing });
    const corrupt = path.join(dir, 'corrupt.png');
    await writeFile(corrupt, Buffer.from('not a png at all'));
    await expect(loadImage(corrupt)).rejects.toMatchObject({ code: 'corrupt-image', file: corrupt });
    const truncated = path.join(dir, 'trunc.png');
    const full = await sharp(Buffer.alloc(64 * 64 * 3, 9), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    await writeFile(truncated, full.subarray(0, full.length - 30));
    await expect(loadImage(truncated)).rejects.toMatchObject({ code: 'corrupt-image' });
  });
});

describe('loadLandmarks', () => {
  it('accepts 68×2 and rejects other shapes, naming the file and what was found', async () => {
    const dir = await tmpDir();
    const write = async (name: string, v: unknown) => {
      const f = path.join(dir, name);
      await writeFile(f, typeof v === 'string' ? v : JSON.stringify(v));
      return f;
    };
    expect(await loadLandmarks(await write('ok.json', landmarks68(8)))).toHaveLength(68);
    const f67 = await write('67.json', landmarks68(8).slice(1));
    await expect(loadLandmarks(f67)).rejects.toMatchObject({ code: 'landmark-shape', file: f67 });
    await expect(loadLandmarks(f67)).rejects.toThrow(/found 67 entries/);
    const three = landmarks68(8).map(([x, y]) => [x, y, 0]);
    await expect(loadLandmarks(await write('3.json', three))).rejects.toThrow(/point 0 is \[/);
    const nan = `[${landmarks68(8)
      .map(() => '[1, NaN]')
      .join(',')}]`;
    await expect(loadLandmarks(await write('nan.json', nan))).rejects.toMatchObject({
      code: 'landmark-shape',
    });
    const withNull = landmarks68(8).map((p, i) => (i === 5 ? [null, 1] : p));
    await expect(loadLandmarks(await write('null.json', withNull))).rejects.toThrow(/point 5/);
    await expect(loadLandmarks(path.join(dir, 'none.json'))).rejects.toMatchObject({ code: 'missing-file' });
  });
});

describe('readImageFolder', () => {
  let root: string;
  beforeAll(async () => {
    root = path.join(await tmpDir(), 'mine');
    for (let v = 0; v < 20; v++) {
      for (let k = 0; k < 3; k++) await png(path.join(root, 'real', `vid${v}`, `${k}.png`), k, v, 0, 2);
    }
    for (let v = 0; v < 6; v++) await png(path.join(root, 'real', `single${v}.jpg`), 0, 0, 0, 2);
    for (let v = 0; v < 10; v++) {
      await png(path.join(root, 'fake', 'swap', `vid${v}`, '0.png'), 0, 0, 0, 2);
      await png(path.join(root, 'fake', 'gan', `img${v}.png`), 0, 0, 0, 2);
    }
    await writeFile(path.join(root, 'real', 'single0.json'), JSON.stringify(landmarks68(2)));
    await writeFile(path.join(root, 'real', 'notes.txt'), 'ignored');
  });

  it('hash split: splits are disjoint, cover every image, and never split a video', async () => {
    const parts = await Promise.all(
      (['train', 'val', 'test'] as const).map((split) => readImageFolder(root, { split })),
    );
    const all = parts.flatMap((p) => p.records);
    expect(all).toHaveLength(20 * 3 + 6 + 10 + 10);
    expect(new Set(all.map((r) => r.image)).size).toBe(all.length);
    const splitOfVideo = new Map<string, string>();
    for (const r of all) {
      expect(splitOfVideo.get(r.videoId) ?? r.split).toBe(r.split);
      splitOfVideo.set(r.videoId, r.split);
    }
    expect(parts[0]!.records.length).toBeGreaterThan(parts[2]!.records.length);
  });

  it('labels, methods, ids and sidecar landmarks', async () => {
    const recs = (
      await Promise.all((['train', 'val', 'test'] as const).map((split) => readImageFolder(root, { split })))
    ).flatMap((p) => p.records);
    const one = (id: string) => recs.find((r) => r.videoId === id)!;
    expect(one('mine/real/vid3')).toMatchObject({ label: 0, kind: 'real', method: 'real' });
    expect(one('mine/swap/vid3')).toMatchObject({ label: 1, kind: 'original', method: 'swap' });
    expect(one('mine/gan/img3')).toMatchObject({ label: 1, method: 'gan' });
    expect(one('mine/real/single0').landmarks).toBe(path.join(root, 'real', 'single0.json'));
    expect(one('mine/real/single1').landmarks).toBeUndefined();
    const vid = recs.filter((r) => r.videoId === 'mine/real/vid3').map((r) => r.frameIndex);
    expect(vid).toEqual([0, 1, 2]);
  });

  it('explicit train/val/test folders win over the hash split', async () => {
    const r2 = await tmpDir();
    await png(path.join(r2, 'test', 'real', 'a.png'), 0, 0, 0, 2);
    await png(path.join(r2, 'test', 'fake', 'm', 'b.png'), 0, 0, 0, 2);
    const t = await readImageFolder(r2, { split: 'test' });
    expect(t.records.map((r) => r.label)).toEqual([0, 1]);
    await expect(readImageFolder(r2, { split: 'val' })).rejects.toMatchObject({ code: 'missing-file' });
  });

  it('a layout without real/ or fake/ and an empty split are errors', async () => {
    const empty = await tmpDir();
    await mkdir(path.join(empty, 'real'));
    await expect(readImageFolder(empty, { split: 'train' })).rejects.toMatchObject({ code: 'empty-split' });
    await expect(readImageFolder(await tmpDir(), { split: 'train' })).rejects.toMatchObject({
      code: 'missing-file',
    });
  });
});

describe('augmentations', () => {
  const img = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 200, 100, 50]) };
  it('flip mirrors pixels and is its own inverse', () => {
    expect(Array.from(flipHorizontal(img).data)).toEqual([200, 100, 50, 10, 20, 30]);
    expect(flipHorizontal(flipHorizontal(img))).toEqual(img);
  });
  it('colour jitter: factors 1 are the identity; brightness 0.5 halves (rounded)', () => {
    expect(Array.from(colourJitter(img, 1, 1, 1).data)).toEqual(Array.from(img.data));
    expect(Array.from(colourJitter(img, 0.5, 1, 1).data)).toEqual([5, 10, 15, 100, 50, 25]);
    // saturation 0 -> grey at Rec. 601 luma: 0.299·10 + 0.587·20 + 0.114·30 = 18.15 -> 18
    expect(Array.from(colourJitter(img, 1, 1, 0).data.subarray(0, 3))).toEqual([18, 18, 18]);
  });
});
