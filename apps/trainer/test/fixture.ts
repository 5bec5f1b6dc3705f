// A tiny faceworld (64 frames at 48 px, about a second to generate) and a tiny detector, shared by the tests.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    },
    sets,
  );
}

export function tinyConfig(sets: string[] = []): TrainConfig {
  return resolveConfig(tinyRaw(sets));
}
