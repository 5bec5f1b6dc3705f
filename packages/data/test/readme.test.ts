// The README's example, kept runnable: if this test changes, update the README.
import { expect, it } from 'vitest';
import { BatchLoader, readDeepfakeBench, sbiSynthesizer } from '../src/index.js';
import { ffFixture } from './fixtures.js';

it('README example', async () => {
  const { root, df, f2f } = await ffFixture(); // FF-DF.json + FF-F2F.json, DeepfakeBench layout
  const train = await readDeepfakeBench([df, f2f], { root, split: 'train', framesPerVideo: 8 });
  // 3 videos: FF-DF/FF-real/000, FF-DF/FF-DF/000_003, FF-F2F/FF-F2F/000_003
  const loader = new BatchLoader({
    records: train.records,
    batchSize: 2,
    imageSize: 32,
    seed: 1,
    synthesize: sbiSynthesizer(),
  });
  const batch = await loader.next();
  const { original, synthesized } = batch.sources; // each: 2 reals + 2 fakes, NHWC float32 in [0, 1]
  expect(train.videos).toBe(3);
  expect(original?.shape).toEqual([4, 32, 32, 3]);
  expect(Array.from(synthesized?.labels ?? [])).toEqual([0, 0, 1, 1]);
  expect(loader.skipped.count).toBe(0);
});
