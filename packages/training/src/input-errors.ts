/**
 * The typed errors of `@cs-dfd/training` and the packages it drives that mean "bad input" (a config key, a data
 * file, a checkpoint, a busy run folder), by `name`: the command lines built on it exit 1 for these and 2 for
 * anything else. Loads nothing, so a CLI can import it before TensorFlow.js.
 */
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
