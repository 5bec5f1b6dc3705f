/**
 * The tiny training run of the trainer tests (the @cs-dfd/training suite, the cs-dfd-train CLI tests and the
 * benchmark grid tests): a faceworld of 64 frames at 48 px (about a second to generate) and a detector that trains
 * a step in milliseconds. Every suite uses this one cache folder, so the same options hash to one generated copy.
 */
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the tests' faceworld copies live (shared by every suite, across runs). */
export const TRAIN_TEST_CACHE = join(tmpdir(), 'cs-dfd-train-test-cache');

/** faceworld options of the tiny dataset. */
export const TINY_FACEWORLD = {
  identities: 6,
  targetIdentities: 2,
  videosPerIdentity: 1,
  frames: 2,
  size: 48,
};

/** The tiny trainer config before validation (a fresh object each call; `@cs-dfd/training`'s `TrainConfigInput`). */
export function tinyTrainInput(): Record<string, unknown> {
  return {
    backend: 'wasm',
    data: { faceworld: { options: { ...TINY_FACEWORLD }, cacheDir: TRAIN_TEST_CACHE } },
    detector: { backbone: { kind: 'small-cnn', channels: [4, 8] }, inputSize: 16, projectionDim: 8 },
    train: { steps: 6, batchSize: 4, evalEvery: 2, checkpointEvery: 2 },
    schedule: { warmup: 1 },
    optimizer: { lr: 0.01 },
    eval: { gradcam: 0 },
    // Two training-sized chunks per large-batch pass, at every validation: the diagnostics run, cheaply.
    diagnostics: { largeBatchSize: 6, largeBatchEvery: 2 },
  };
}

/** The bytes of the (one) weights file of a saved model folder. */
export async function weightsOf(dir: string): Promise<Buffer> {
  const bin = (await readdir(dir)).find((f) => f.endsWith('.bin'))!;
  return readFile(join(dir, bin));
}

/** A run's log.jsonl records without their wall-clock `ms` (what two runs of the same seed must agree on). */
export async function stepLog(out: string): Promise<Record<string, unknown>[]> {
  return (await readFile(join(out, 'log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => {
      const { ms: _ms, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}
