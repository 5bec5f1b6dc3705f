/** What went wrong in the grid, for callers that branch on it. */
export type GridErrorCode =
  | 'unknown-method'
  | 'bad-variants'
  | 'bad-option'
  | 'missing-file'
  | 'config-changed'
  | 'bad-config'
  | 'bad-log'
  | 'bad-results'
  | 'cells-failed'
  | 'queue';

/** Typed error of `cs-dfd-bench grid`: the message names the cell, file, key or option and the offending value. */
export class GridError extends Error {
  override readonly name = 'GridError';
  constructor(
    readonly code: GridErrorCode,
    message: string,
    /** Dotted key (variants file, config) or option the error is about, where there is one. */
    readonly key?: string,
  ) {
    super(message);
  }
}
