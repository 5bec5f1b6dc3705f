import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { syntheticFace } from '@cs-dfd/forgery';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Batch,
  BatchLoader,
  type BatchLoaderOptions,
  DataError,
  parseDeepfakeBenchIndex,
  readDeepfakeBench,
  type SampleRecord,
  type SynthesizeFn,
  sbiSynthesizer,
} from '../src/index.js';
import { ffFixture, tmpDir } from './fixtures.js';

let records: readonly SampleRecord[];
beforeAll(async () => {
  const ff = await ffFixture();
  records = (await readDeepfakeBench([ff.df, ff.f2f], { root: ff.root, split: 'train', framesPerVideo: 12 }))
    .records;
});

/** Test hook standing in for SBI: inverts the colours, so a synthesized fake can be traced to its real. */
const invert: SynthesizeFn = ({ image }) => ({ ...image, data: image.data.map((v) => 255 - v) });

const base = (over: Partial<BatchLoaderOptions> = {}): BatchLoaderOptions => ({
  records,
  batchSize: 4,
  imageSize: 8,
  seed: 11,
  synthesize: invert,
  ...over,
});

async function take(loader: BatchLoader, n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) out.push(await loader.next());
  return out;
}

describe('BatchLoader', () => {
  it('same seed -> same batches, whatever the prefetch depth', async () => {
    const a = await take(new BatchLoader(base({ prefetch: 0 })), 4);
    const b = await take(new BatchLoader(base({ prefetch: 3 })), 4);
    expect(b).toEqual(a);
    const c = await take(new BatchLoader(base({ seed: 12 })), 4);
    expect(c.map((x) => x.sources.original!.images)).not.toEqual(a.map((x) => x.sources.original!.images));
  });

  it('drain() waits for every prefetched step before returning, and the stream continues unchanged', async () => {
    let started = 0;
    let finished = 0;
    const slow: SynthesizeFn = async (face, rng) => {
      started++;
      await new Promise((r) => setTimeout(r, 5));
      finished++;
      return invert(face, rng);
    };
    const loader = new BatchLoader(base({ synthesize: slow, prefetch: 2 }));
    const first = await loader.next(); // steps 1 and 2 are now in flight
    await loader.drain();
    expect(started).toBeGreaterThan(4); // more than step 0's own SBI calls were started...
    expect(finished).toBe(started); // ...and none is still running
    const reference = await take(new BatchLoader(base()), 2);
    expect([first, await loader.next()]).toEqual(reference);
  });

  it('resuming at step k gives the batches of an uninterrupted run', async () => {
    const full = await take(new BatchLoader(base()), 5);
    const resumed = await take(new BatchLoader(base(), 3), 2);
    expect(resumed).toEqual(full.slice(3));
  });

  it('per-source sub-batches share the same real frames; SBI is made from those frames', async () => {
    const [batch] = await take(new BatchLoader(base({ augment: false, output: 'uint8' })), 1);
    const o = batch!.sources.original!;
    const s = batch!.sources.synthesized!;
    expect(o.shape).toEqual([8, 8, 8, 3]);
    expect(Array.from(o.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(o.kinds).toEqual(['real', 'real', 'real', 'real', 'original', 'original', 'original', 'original']);
    expect(s.kinds.slice(4)).toEqual(['synthesized', 'synthesized', 'synthesized', 'synthesized']);
    const per = 8 * 8 * 3;
    expect(s.images.subarray(0, 4 * per)).toEqual(o.images.subarray(0, 4 * per));
    for (let j = 0; j < 4; j++) {
      // synthesized j = inverted real j (no augmentation here)
      expect(s.images[(4 + j) * per]).toBe(255 - o.images[j * per]!);
      expect(s.videoIds[4 + j]).toBe(o.videoIds[j]);
    }
    // reals come from the real video (green 1), fakes from the two fake videos (green 2 or 3)
    for (let j = 0; j < 4; j++) expect(o.images[j * per + 1]).toBe(1);
    for (let j = 4; j < 8; j++) expect([2, 3]).toContain(o.images[j * per + 1]);
  });

  it('one epoch visits every real frame once before repeating', async () => {
    const loader = new BatchLoader(base({ augment: false, output: 'uint8', sources: ['original'] }));
    const reds: number[] = [];
    for (const b of await take(loader, 3)) {
      for (let j = 0; j < 4; j++) reds.push(b.sources.original!.images[j * 192]!);
    }
    // 12 real frames, red = 10·frame
    expect(reds.sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, k) => 10 * k));
  });

  it('float32 output is uint8 / 255', async () => {
    const u = await new BatchLoader(base({ output: 'uint8' })).build(2);
    const f = await new BatchLoader(base()).build(2);
    const fi = f.sources.synthesized!.images;
    u.sources.synthesized!.images.forEach((v, i) => expect(fi[i]).toBeCloseTo(v / 255, 6));
  });

  it('augmentation changes images deterministically', async () => {
    const plain = await new BatchLoader(base({ augment: false })).build(0);
    const aug = await new BatchLoader(
      base({ augment: { flip: 1, jpeg: { p: 1, quality: [50, 50] } } }),
    ).build(0);
    expect(aug.sources.original!.images).not.toEqual(plain.sources.original!.images);
    expect(await new BatchLoader(base({ augment: { flip: 1 } })).build(0)).toEqual(
      await new BatchLoader(base({ augment: { flip: 1 } })).build(0),
    );
  });

  it('passes landmarks rescaled to the output size to the synthesizer', async () => {
    const seen: number[] = [];
    const spy: SynthesizeFn = ({ image, landmarks }) => {
      seen.push(landmarks[0]![0]);
      return image;
    };
    await new BatchLoader(base({ synthesize: spy, imageSize: 16 })).build(0);
    // fixture landmark 0 is (8/2 + 8/4, 8/2) on an 8×8 frame = (6, 4); at 16×16 -> x = 12
    expect(seen).toEqual([12, 12, 12, 12]);
  });

  it('a corrupt frame throws naming the file, or under skip is counted and replaced', async () => {
    const bad = records.find((r) => r.kind === 'real')!;
    await writeFile(bad.image, 'garbage');
    try {
      const all = Array.from({ length: 3 }, (_, s) => s);
      const strict = new BatchLoader(base({ prefetch: 0 }));
      await expect(Promise.all(all.map((s) => strict.build(s)))).rejects.toMatchObject({
        code: 'corrupt-image',
        file: bad.image,
      });
      const lenient = new BatchLoader(base({ onBadSample: 'skip', prefetch: 0 }));
      const batches = await Promise.all(all.map((s) => lenient.build(s)));
      expect(batches.every((b) => b.sources.original!.shape[0] === 8)).toBe(true);
      expect(lenient.skipped.count).toBe(1);
      expect(lenient.skipped.items[0]).toMatchObject({ file: bad.image, code: 'corrupt-image' });
    } finally {
      const sharp = (await import('sharp')).default;
      await sharp(Buffer.alloc(192, 0), { raw: { width: 8, height: 8, channels: 3 } })
        .png()
        .toFile(bad.image);
    }
  });

  it('bad options and empty sources are typed errors', () => {
    expect(() => new BatchLoader(base({ batchSize: 0 }))).toThrow(DataError);
    expect(() => new BatchLoader(base({ records: records.filter((r) => r.kind === 'real') }))).toThrow(
      /original source needs fake records/,
    );
    expect(() => new BatchLoader(base({ records: records.filter((r) => r.kind !== 'real') }))).toThrow(
      /no real/,
    );
    expect(() => new BatchLoader(base({ synthesize: undefined, sources: ['synthesized'] }))).toThrow(
      /synthesize/,
    );
  });

  it("integrates @cs-dfd/forgery's SBI: every fake differs from its real, reproducibly", async () => {
    // textured faces with exact landmarks, written as a one-video DeepfakeBench dataset
    const root = await tmpDir();
    const frames: string[] = [];
    for (let k = 0; k < 2; k++) {
      const face = syntheticFace(k, { size: 48 });
      const rel = `D/real/frames/v/${k}.png`;
      const { width, height, data } = face.image;
      await mkdir(path.join(root, 'D/real/frames/v'), { recursive: true });
      await sharp(Buffer.from(data), { raw: { width, height, channels: 3 } })
        .png()
        .toFile(path.join(root, rel));
      await mkdir(path.join(root, 'D/real/landmarks/v'), { recursive: true });
      await writeFile(path.join(root, `D/real/landmarks/v/${k}.json`), JSON.stringify(face.landmarks));
      frames.push(rel);
    }
    const reals = parseDeepfakeBenchIndex(
      { D: { 'FF-real': { train: { v: { label: 'FF-real', frames } } } } },
      'mem.json',
      { root, split: 'train' },
    );
    const opts = base({
      records: reals,
      batchSize: 2,
      sources: ['synthesized'],
      synthesize: sbiSynthesizer(),
      imageSize: 48,
      augment: false,
      output: 'uint8',
    });
    const b1 = await new BatchLoader(opts).build(1);
    expect(await new BatchLoader(opts).build(1)).toEqual(b1);
    const s = b1.sources.synthesized!;
    expect(s.shape).toEqual([4, 48, 48, 3]);
    const per = 48 * 48 * 3;
    for (let j = 0; j < 2; j++) {
      const real = s.images.subarray(j * per, (j + 1) * per);
      const fake = s.images.subarray((2 + j) * per, (3 + j) * per);
      // SBI always transforms one of the source/target pair of a textured face, so the fake never equals its real
      expect(fake.some((v, i) => v !== real[i])).toBe(true);
    }
    expect(Array.from(s.labels)).toEqual([0, 0, 1, 1]);
  });
});
