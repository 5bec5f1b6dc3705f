// SBI throughput at 256×256 on one core, per-stage times, and (with the baseline built) the pre-optimisation
// implementation timed interleaved in the same process, so both see the same machine load.
// Run after a build: `pnpm --filter @cs-dfd/forgery run build && pnpm --filter @cs-dfd/forgery run bench`;
// for the before/after comparison first `sh packages/forgery/bench/baseline.sh` (builds commit 4c352a7).
// Timings are the best of `rounds` rounds, so that other load on a shared machine inflates them less.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { Rng } from '@cs-dfd/rng';
import * as F from '../dist/index.js';

const size = Number(process.env.SIZE ?? 256);
const rounds = Number(process.env.ROUNDS ?? 5);
const perRound = Number(process.env.N ?? 100);
const faces = Array.from({ length: 16 }, (_, i) => F.syntheticFace(i, { size }));
const baselineUrl = new URL('./.baseline/dist/index.js', import.meta.url);
const B = existsSync(baselineUrl) ? await import(baselineUrl.href) : null;

const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load avg ${load()}`,
);
console.log(
  `node ${process.version}, pure JS (no tfjs backend), ${size}x${size}, best of ${rounds} rounds x ${perRound}`,
);

/** Best-of-rounds milliseconds per call, for several functions whose rounds alternate. */
function bestInterleaved(fns, n = perRound) {
  for (const fn of fns) for (let i = 0; i < 10; i++) fn(i);
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      const t = performance.now();
      for (let i = 0; i < n; i++) fn(i);
      best[k] = Math.min(best[k], (performance.now() - t) / n);
    });
  }
  return best;
}

const sample = (lib) => (i) => lib.selfBlend(faces[i % 16].image, faces[i % 16].landmarks, new Rng(i));
const [now, before] = bestInterleaved(B ? [sample(F), sample(B)] : [sample(F)]);
console.log(`selfBlend: ${(1000 / now).toFixed(1)} images/s/core (${now.toFixed(2)} ms/image)`);
if (B)
  console.log(
    `selfBlend before (commit 4c352a7): ${(1000 / before).toFixed(1)} images/s/core (${before.toFixed(2)} ms/image); speed-up x${(before / now).toFixed(2)}`,
  );

const rng = new Rng(1);
const f = faces[0];
const hull = F.hullMask(f.landmarks, size, size, 'full');
const mm = F.landmarkMismatch(f.image, hull, rng);
const st = (transformed, frequency) => ({
  transformed,
  rgbShift: null,
  hsv: null,
  brightnessContrast: null,
  frequency,
});
const stages = {
  '1 hull mask (random variant)': () => F.randomHullMask(f.landmarks, size, size, rng),
  '2 source-target, whole image (target transformed)': () => F.sourceTargetPair(f.image, rng),
  '   colour: hsvShift': () => F.hsvShift(f.image, 5, 5, 5),
  '   frequency: sharpen': () => F.sharpen(f.image, 0.3, 0.8),
  '   frequency: down-up x4': () => F.downUp(f.image, 4),
  '   all: rgb+hsv+bc+sharpen (applySourceTransform)': () =>
    F.applySourceTransform(f.image, {
      ...st('source', { kind: 'sharpen', alpha: 0.3, lightness: 0.8 }),
      rgbShift: [5, -3, 2],
      hsv: [5, 5, 5],
      brightnessContrast: [0.05, 0.05],
    }),
  '3 mismatch, mask only (affine+elastic)': () =>
    F.warpMaskElastic(hull, F.mismatchAffine(mm.params, size, size), F.elasticField(size, size, rng)),
  '   elastic field': () => F.elasticField(size, size, rng),
  '4 blend mask': () => F.blendMask(mm.mask, rng),
  '5 blend (lazy source warp)': () =>
    F.blendWarped(f.image, F.mismatchAffine(mm.params, size, size), f.image, mm.mask, 1),
};
for (const [name, fn] of Object.entries(stages))
  console.log(`${name.padEnd(52)} ${bestInterleaved([fn], 50)[0].toFixed(3)} ms`);
console.log(`load avg at the end ${load()}`);
