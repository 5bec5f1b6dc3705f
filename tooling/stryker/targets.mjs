import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

// Mutation-score floors (issue #20): the numerical core, the gradient-conflict baselines, multitask and conflict-loss
// at 90%; the metrics, the RNG and forgery's SBI stages at 85%. `pnpm mutate` fails a package that scores below its
// floor.
export const targets = {
  gramian: 90,
  uvs: 90,
  pcgrad: 90,
  cagrad: 90,
  mgda: 90,
  imtl: 90,
  'aligned-mtl': 90,
  upgrad: 90,
  gradvac: 90,
  'nash-mtl': 90,
  graddrop: 90,
  multitask: 90,
  'conflict-loss': 90,
  metrics: 85,
  rng: 85,
  forgery: 85,
};

// Packages where only some sources are the target: forgery's SBI stages (the synthesis itself and the raster, mask,
// warp and resize stages it is built from), not its CLI, worker pool and file I/O.
const onlyFiles = {
  forgery: [
    'src/sbi.ts',
    'src/raster.ts',
    'src/masks.ts',
    'src/warp.ts',
    'src/resize.ts',
    'src/morphology.ts',
  ],
};

/** @param {string} pkg package folder name */
export function thresholdFor(pkg) {
  const t = targets[pkg];
  if (t === undefined)
    throw new Error(
      `no mutation target for package "${pkg}" (tooling/stryker/targets.mjs lists: ${Object.keys(targets).join(', ')})`,
    );
  return t;
}

/**
 * The files Stryker mutates in a package: its listed sources where `onlyFiles` names them, else src/*.ts (recursively) without src/index.ts (re-exports), unless index.ts is the
 * package's only source (as in rng).
 * @param {string} pkgDir
 */
export function mutatedFiles(pkgDir) {
  const only = onlyFiles[basename(pkgDir)];
  if (only !== undefined) return only;
  const src = join(pkgDir, 'src');
  const files = existsSync(src)
    ? readdirSync(src, { recursive: true })
        .filter((f) => String(f).endsWith('.ts'))
        .map((f) => `src/${f}`)
    : [];
  const rest = files.filter((f) => f !== 'src/index.ts');
  return rest.length > 0 ? rest : files;
}
