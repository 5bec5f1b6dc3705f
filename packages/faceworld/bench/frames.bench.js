// Faceworld frames per second: in-memory rendering per family, and a full generation run written to disk.
// Run after building: `pnpm --filter @cs-dfd/faceworld run build && pnpm --filter @cs-dfd/faceworld run bench`.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAMILY_LABELS, Faceworld, generateDataset } from '../dist/index.js';

const size = Number(process.env.SIZE ?? 96);
console.log(
  `machine: ${cpus()[0]?.model} x${availableParallelism()}, node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(`frame ${size}x${size}`);
const world = new Faceworld({ identities: 12, targetIdentities: 4, frames: 8, size });
for (const family of FAMILY_LABELS) {
  const pool = family.startsWith('FWT') ? 4 : 12;
  await world.renderFrame({ family, identity: 0, video: 0, frame: 0 });
  const n = 48;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await world.renderFrame({ family, identity: i % pool, video: 0, frame: i % 8 });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `renderFrame ${family.padEnd(12)} ${(n / s).toFixed(0).padStart(5)} frames/s (one thread, sequential)`,
  );
}
const opts = { identities: 12, targetIdentities: 4, videosPerIdentity: 2, frames: 8, size };
for (const workers of [0, 2]) {
  const out = await mkdtemp(join(tmpdir(), 'faceworld-bench-'));
  const r = await generateDataset(opts, { out, workers });
  console.log(
    `generateDataset workers=${workers}: ${r.frames} frames in ${r.seconds.toFixed(1)} s = ${(r.frames / r.seconds).toFixed(0)} frames/s (PNG + landmarks + masks written)`,
  );
  await rm(out, { recursive: true, force: true });
}
