import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAMILIES, Faceworld, generateDataset, validateIndex } from '@cs-dfd/faceworld';

const world = new Faceworld({ seed: 1, identities: 12, size: 64 });
const f = await world.renderFrame({ family: 'FW_swap', identity: 3, video: 0, frame: 2 });
// f.image: RGB 64×64 after camera + JPEG; f.landmarks: 68 x,y pairs; f.mask: the swap's blend weight per pixel;
// f.labels: region map (Region.eye, Region.lips, ...); f.faceMask: face-skin coverage.
console.log([f.width, f.height, f.image.length, f.landmarks.length, f.mask.length]); // [64, 64, 12288, 136, 4096]
console.log(f.mask.some((m) => m === 1) && f.mask.some((m) => m === 0)); // true
console.log(FAMILIES.FW_swap.dataset); // 'faceworld-source'

// a small dataset on disk in DeepfakeBench's JSON layout: 6 source people × 4 families + 2 target people ×
// 4 families, one clip of one frame each
const out = mkdtempSync(join(tmpdir(), 'faceworld-'));
const small = { seed: 1, identities: 6, targetIdentities: 2, videosPerIdentity: 1, frames: 1, size: 48 };
const run = await generateDataset(small, { out, workers: 0 });
console.log([run.videos, run.frames]); // [32, 32]
validateIndex(JSON.parse(readFileSync(run.indexes['faceworld-source']!, 'utf8'))); // throws on a bad layout
rmSync(out, { recursive: true });
