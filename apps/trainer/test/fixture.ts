// A tiny faceworld (64 frames at 48 px, about a second to generate) and a tiny detector, shared by the tests.
import { execFileSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyOverrides, resolveConfig, type TrainConfig } from '../src/index.js';

/** Shared cache: the same options hash to the same folder, so every test file reuses one generated copy. */
export const CACHE = join(tmpdir(), 'cs-dfd-train-test-cache');

export const TINY_FACEWORLD = {
  identities: 6,
  targetIdentities: 2,
  videosPerIdentity: 1,
  frames: 2,
  size: 48,
};

/** The raw tiny config (before validation); `sets` are `--set` style overrides. */
export function tinyRaw(sets: string[] = []): Record<string, unknown> {
  return applyOverrides(
    {
      backend: 'wasm',
      data: { faceworld: { options: TINY_FACEWORLD, cacheDir: CACHE } },
      detector: { backbone: { kind: 'small-cnn', channels: [4, 8] }, inputSize: 16, projectionDim: 8 },
      train: { steps: 6, batchSize: 4, evalEvery: 2, checkpointEvery: 2 },
      schedule: { warmup: 1 },
      optimizer: { lr: 0.01 },
      eval: { gradcam: 0 },
      // Two training-sized chunks per large-batch pass, at every validation: the diagnostics run, cheaply.
      diagnostics: { largeBatchSize: 6, largeBatchEvery: 2 },
    },
    sets,
  );
}

export function tinyConfig(sets: string[] = []): TrainConfig {
  return resolveConfig(tinyRaw(sets));
}

const APP = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The built command line. */
export const CLI = join(APP, 'dist', 'cli.js');

/** Rebuilds dist/ when a source is newer than the built CLI (CI's build step has usually just done it). */
export async function ensureBuilt(): Promise<void> {
  const built = await stat(CLI).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = await readdir(join(APP, 'src'));
  const times = await Promise.all(sources.map((f) => stat(join(APP, 'src', f)).then((s) => s.mtimeMs)));
  if (Math.max(...times) > built) {
    const tsc = join(APP, '../../node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(APP, 'tsconfig.build.json')], { stdio: 'inherit' });
  }
}
