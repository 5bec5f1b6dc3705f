// Time per image of cs-dfd-prep's steps on @vladmandic/face-api's six demo photos (1920 px wide, as shipped).
// Run after building: node bench/prep.bench.js [cpu]   (needs `turbo run build --filter=@cs-dfd/data...`)
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { faceApiDemoDir, loadFaceDetector, loadImage, prepareDataset } from '../dist/index.js';

const backend = process.argv[2] === 'cpu' ? 'cpu' : 'wasm';
const demo = faceApiDemoDir();
if (demo === undefined) throw new Error('install @vladmandic/face-api first');
const photos = [1, 2, 3, 4, 5, 6].map((i) => path.join(demo, `sample${i}.jpg`));
console.log(
  `${os.cpus()[0]?.model} × ${os.cpus().length}, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`,
);

let t = performance.now();
const detector = await loadFaceDetector({ backend });
console.log(
  `face-api ${detector.info.faceApi} on tfjs ${detector.info.backend}: models loaded in ${(performance.now() - t).toFixed(0)} ms`,
);

const images = [];
for (const p of photos) images.push(await loadImage(p));
await detector.detect(images[0]); // warm-up: first-call kernel setup
const rounds = backend === 'cpu' ? 1 : 2;
t = performance.now();
for (let r = 0; r < rounds; r++) for (const img of images) await detector.detect(img);
const detectMs = (performance.now() - t) / (rounds * images.length);
console.log(
  `detect (SSD MobileNet v1 + 68 landmarks of the largest face): ${detectMs.toFixed(0)} ms per photo`,
);

const root = await mkdtemp(path.join(os.tmpdir(), 'cs-dfd-prep-bench-'));
await mkdir(path.join(root, 'in', 'real'), { recursive: true });
for (const p of photos) await copyFile(p, path.join(root, 'in', 'real', path.basename(p)));
t = performance.now();
const report = await prepareDataset({ input: path.join(root, 'in'), out: path.join(root, 'out'), detector });
const allMs = (performance.now() - t) / report.images;
console.log(
  `prepareDataset (decode + detect + align 256 px + write PNG/JSON): ${allMs.toFixed(0)} ms per photo; ` +
    `faces per photo ${report.frames.map((f) => f.faces).join(', ')}`,
);
