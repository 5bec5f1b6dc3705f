/** Bad user input that is not a config key: a missing path, a folder without a trained detector. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Names of the typed errors that mean "bad input", for the CLI's exit code 1 (one list with the benchmark's). */
export { INPUT_ERRORS } from '@cs-dfd/training/input-errors';
