// SBI throughput at 256×256 on one core, per-stage times, and (with the baseline built) the pre-optimisation
// implementation timed interleaved in the same process, so both see the same machine load.
// Run after a build: `pnpm --filter @cs-dfd/forgery run build && pnpm --filter @cs-dfd/forgery run bench`;
// for the before/after comparison first `sh packages/forgery/bench/baseline.sh` (builds commit 4c352a7).
// Timings are CPU time, best of `rounds` rounds, so that other load on a shared machine inflates them less.
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
  `node ${process.version}, pure JS (no tfjs backend), ${size}x${size}, CPU time, best of ${rounds} rounds x ${perRound}`,
);

/**
 * Best-of-rounds milliseconds per call, for several functions whose rounds alternate. Measured as this process's
 * CPU time (user + system, process.cpuUsage), not wall time: on a shared, overloaded machine the wall clock
 * mostly measures the wait for a core, CPU time what the code costs on one.
 */
function bestInterleaved(fns, n = perRound) {
  for (const fn of fns) for (let i = 0; i < 10; i++) fn(i);
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      const t = process.cpuUsage();
      for (let i = 0; i < n; i++) fn(i);
      const d = process.cpuUsage(t);
      best[k] = Math.min(best[k], (d.user + d.system) / 1000 / n);
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

// Per stage: the same call on the current build and (if built) the baseline, interleaved.
const f = faces[0];
const stagesOf = (L) => {
  const rng = new Rng(1);
  const hull = L.hullMask(f.landmarks, size, size, 'full');
  const mm = L.landmarkMismatch(f.image, hull, rng);
  const affine = L.mismatchAffine(mm.params, size, size);
  const all = {
    transformed: 'target',
    rgbShift: [5, -3, 2],
    hsv: [5, 5, 5],
    brightnessContrast: [0.05, 0.05],
    frequency: { kind: 'sharpen', alpha: 0.3, lightness: 0.8 },
  };
  return {
    '1 hull mask (random variant)': () => L.randomHullMask(f.landmarks, size, size, rng),
    '2 source-target pair (whole image)': () => L.sourceTargetPair(f.image, rng),
    '   colour: hsvShift': () => L.hsvShift(f.image, 5, 5, 5),
    '   frequency: sharpen': () => L.sharpen(f.image, 0.3, 0.8),
    '   frequency: down-up x4': () => L.downUp(f.image, 4),
    '   rgb+hsv+bc+sharpen (applySourceTransform)': () => L.applySourceTransform(f.image, all),
    '3 mismatch, mask only (affine+elastic)': () =>
      L.warpMaskElastic(hull, affine, L.elasticField(size, size, rng)),
    '   elastic field': () => L.elasticField(size, size, rng),
    '4 blend mask': () => L.blendMask(mm.mask, rng),
    '5 blend (lazy source warp)': () => L.blendWarped(f.image, affine, f.image, mm.mask, 1),
  };
};
const nowStages = stagesOf(F);
const beforeStages = B ? stagesOf(B) : null;
console.log(
  `${'stage (ms per call)'.padEnd(48)} ${'now'.padStart(8)}${B ? `${'before'.padStart(9)}  ratio` : ''}`,
);
for (const name of Object.keys(nowStages)) {
  const [a, b] = bestInterleaved(
    beforeStages ? [nowStages[name], beforeStages[name]] : [nowStages[name]],
    30,
  );
  console.log(
    `${name.padEnd(48)} ${a.toFixed(3).padStart(8)}${b === undefined ? '' : `${b.toFixed(3).padStart(9)}  x${(b / a).toFixed(2)}`}`,
  );
}
console.log(`load avg at the end ${load()}`);
