// Batch-loader throughput in images/s, with and without online SBI (run after building this package and its deps):
//   node bench/loader.bench.js
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { syntheticFace } from '@cs-dfd/forgery';
import sharp from 'sharp';
import { BatchLoader, parseDeepfakeBenchIndex, sbiSynthesizer } from '../dist/index.js';

const SIZE = 128;
const BATCH = 16;
const STEPS = 6;
const root = await mkdtemp(path.join(os.tmpdir(), 'cs-dfd-bench-'));
const frames = { real: [], fake: [] };
for (const kind of ['real', 'fake']) {
  for (let k = 0; k < 32; k++) {
    const face = syntheticFace(k + (kind === 'fake' ? 1000 : 0), { size: SIZE });
    const rel = `D/${kind}/frames/v${k % 4}/${k}.png`;
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await sharp(Buffer.from(face.image.data), { raw: { width: SIZE, height: SIZE, channels: 3 } })
      .png()
      .toFile(path.join(root, rel));
    const lm = path.join(root, `D/${kind}/landmarks/v${k % 4}/${k}.json`);
    await mkdir(path.dirname(lm), { recursive: true });
    await writeFile(lm, JSON.stringify(face.landmarks));
    frames[kind].push(rel);
  }
}
const records = parseDeepfakeBenchIndex(
  {
    D: {
      'FF-real': { train: { v: { label: 'FF-real', frames: frames.real } } },
      'FF-DF': { train: { w: { label: 'FF-DF', frames: frames.fake } } },
    },
  },
  'bench.json',
  { root, split: 'train', framesPerVideo: 1000 },
);

console.log(
  `machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, sharp ${sharp.versions.sharp}`,
);
console.log(
  `images ${SIZE}x${SIZE}, ${BATCH} reals + ${BATCH} fakes per source per step, default augmentation, prefetch 2`,
);
for (const [name, extra] of [
  ['original only (no SBI)', { sources: ['original'] }],
  ['original + online SBI', { sources: ['original', 'synthesized'], synthesize: sbiSynthesizer() }],
]) {
  const loader = new BatchLoader({ records, batchSize: BATCH, imageSize: SIZE, seed: 1, ...extra });
  await loader.next(); // warm-up
  const t0 = performance.now();
  let images = 0;
  let distinct = 0;
  for (let s = 0; s < STEPS; s++) {
    const b = await loader.next();
    const subs = Object.values(b.sources);
    for (const sub of subs) images += sub.shape[0];
    distinct += BATCH * (1 + subs.length); // the reals are shared by the sub-batches
  }
  const sec = (performance.now() - t0) / 1000;
  console.log(
    `${name.padEnd(24)} ${(distinct / sec).toFixed(0)} distinct images/s, ${(images / sec).toFixed(0)} sub-batch images/s ` +
      `(${STEPS} steps in ${sec.toFixed(2)} s)`,
  );
}
