/** Bad user input that is not a config key: a missing path, a folder without a trained detector. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Names of the typed errors (here and in the packages) that mean "bad input", for the CLI's exit code 1. */
export const INPUT_ERRORS: readonly string[] = [
  'ConfigError',
  'InputError',
  'CheckpointError',
  'DataError',
  'DetectorError',
  'FaceworldOptionsError',
  'IndexSchemaError',
  'BackendError',
  'UnknownAggregatorError',
  'RunFolderError',
];
