// The tiny training run shared by the trainer suites (@cs-dfd/test-utils/training), as configs of this package.
import { TRAIN_TEST_CACHE as CACHE, TINY_FACEWORLD, tinyTrainInput } from '@cs-dfd/test-utils/training';
import { applyOverrides, resolveConfig, type TrainConfig } from '../src/index.js';

export { CACHE, TINY_FACEWORLD };

/** The raw tiny config (before validation); `sets` are `--set` style overrides. */
export function tinyRaw(sets: string[] = []): Record<string, unknown> {
  return applyOverrides(tinyTrainInput(), sets);
}

export function tinyConfig(sets: string[] = []): TrainConfig {
  return resolveConfig(tinyRaw(sets));
}
