/**
 * @packageDocumentation
 * cs-dfd-train's own code as a library: scoring images with a trained run folder (`cs-dfd-train score`). Training
 * itself — `train()`, the config, the step, checkpoints, evaluation — is `@cs-dfd/training`.
 */
export { INPUT_ERRORS, InputError } from './errors.js';
export { imageFiles, modelFolder, type ScoredImage, scoreFiles, scorePaths } from './score.js';
