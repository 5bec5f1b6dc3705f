/** Why a grid report could not be written. */
export type GridReportErrorCode = 'bad-json-line' | 'bad-csv' | 'bad-cell-dir' | 'bad-option';

/** A malformed grid input; names the file (and line or field) at fault so the user can look at it. */
export class GridReportError extends Error {
  override readonly name = 'GridReportError';
  constructor(
    readonly code: GridReportErrorCode,
    message: string,
    /** The file (or results.json field) at fault. */
    readonly file: string,
  ) {
    super(message);
  }
}
