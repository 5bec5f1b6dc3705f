// A tiny DeepfakeBench-layout dataset (faceworld writes that layout) and tiny trainer settings for grid tests.
// The faceworld options and cache folder are the trainer tests' (@cs-dfd/test-utils/training), so every suite
// shares one generated copy; @cs-dfd/training makes it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRAIN_TEST_CACHE as CACHE, TINY_FACEWORLD } from '@cs-dfd/test-utils/training';
import { faceworldFolder } from '@cs-dfd/training';
import type { GridProtocol } from '../src/grid/index.js';

export { TINY_FACEWORLD, TRAIN_TEST_CACHE as CACHE } from '@cs-dfd/test-utils/training';

/** `--set` pairs for a cell of a few seconds: wasm, a 2-layer CNN at 16 px, 4 steps, no Grad-CAM. */
export const TINY_SETS = [
  'backend=wasm',
  'detector={"backbone":{"kind":"small-cnn","channels":[4,8]},"inputSize":16,"projectionDim":8}',
  'train.steps=4',
  'train.batchSize=4',
  'train.evalEvery=2',
  'train.checkpointEvery=2',
  'schedule.warmup=1',
  'optimizer.lr=0.01',
  'eval.gradcam=0',
  'data.sbiWorkers=0',
];

/** The tiny dataset as the DeepfakeBench protocol: source index for train/val/test, target index cross-domain. */
export async function tinyDeepfakeBench(): Promise<Extract<GridProtocol, { kind: 'deepfakebench' }>> {
  const { dir } = await faceworldFolder(TINY_FACEWORLD, CACHE);
  const meta = JSON.parse(await readFile(join(dir, 'faceworld.json'), 'utf8')) as {
    labelDict: Record<string, 0 | 1>;
  };
  return {
    kind: 'deepfakebench',
    root: dir,
    index: [join(dir, 'dataset_json', 'faceworld-source.json')],
    cross: [{ name: 'target', files: [join(dir, 'dataset_json', 'faceworld-target.json')] }],
    labels: meta.labelDict,
  };
}
