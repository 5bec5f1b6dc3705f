// SBI throughput at 256×256 on one core (this process is single-threaded), plus per-stage times.
// Run after a build: `pnpm --filter @cs-dfd/forgery run build && pnpm --filter @cs-dfd/forgery run bench`.
// Timings are the best of `repeats` rounds, so that other load on a shared machine inflates them less.
import os from 'node:os';
import { Rng } from '@cs-dfd/rng';
import * as F from '../dist/index.js';

const size = Number(process.env.SIZE ?? 256);
const rounds = Number(process.env.ROUNDS ?? 5);
const perRound = Number(process.env.N ?? 100);
const faces = Array.from({ length: 16 }, (_, i) => F.syntheticFace(i, { size }));

/** Best-of-rounds milliseconds per call of fn(i). */
function best(fn, n = perRound) {
  for (let i = 0; i < 10; i++) fn(i);
  let bestMs = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    bestMs = Math.min(bestMs, (performance.now() - t) / n);
  }
  return bestMs;
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `machine: ${cpu}, ${os.cpus().length} cores, load avg ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
console.log(
  `node ${process.version}, pure JS (no tfjs backend), ${size}x${size}, best of ${rounds} rounds x ${perRound}`,
);

const rng = new Rng(1);
const total = best((i) => F.selfBlend(faces[i % 16].image, faces[i % 16].landmarks, rng));
console.log(`selfBlend: ${(1000 / total).toFixed(1)} images/s/core (${total.toFixed(2)} ms/image)`);

const f = faces[0];
const hull = F.hullMask(f.landmarks, size, size, 'full');
const mm = F.landmarkMismatch(f.image, hull, rng);
const stages = {
  '1 hull mask (random variant)': () => F.randomHullMask(f.landmarks, size, size, rng),
  '2 source-target pair': () => F.sourceTargetPair(f.image, rng),
  '   colour: hsvShift': () => F.hsvShift(f.image, 5, 5, 5),
  '   frequency: sharpen': () => F.sharpen(f.image, 0.3, 0.8),
  '   frequency: down-up x4': () => F.downUp(f.image, 4),
  '3 mismatch, mask only (affine+elastic)': () =>
    F.warpMaskElastic(hull, F.mismatchAffine(mm.params, size, size), F.elasticField(size, size, rng)),
  '   elastic field': () => F.elasticField(size, size, rng),
  '   full-image source warp (skipped by selfBlend)': () =>
    F.warpRgb(f.image, F.mismatchAffine(mm.params, size, size)),
  '4 blend mask': () => F.blendMask(mm.mask, rng),
  '5 blend (lazy source warp)': () =>
    F.blendWarped(f.image, F.mismatchAffine(mm.params, size, size), f.image, mm.mask, 1),
};
for (const [name, fn] of Object.entries(stages))
  console.log(`${name.padEnd(50)} ${best(fn, 50).toFixed(3)} ms`);
