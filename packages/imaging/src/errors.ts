/** What an {@link ImagingError} refuses. */
export type ImagingErrorCode =
  | 'points.count'
  | 'points.nonfinite'
  | 'points.degenerate'
  | 'similarity.scale'
  | 'kernel.size'
  | 'kernel.sigma';

/**
 * Bad input to an imaging function. A `RangeError`, so callers that only check the class keep working; `code`
 * says what was refused and the message names the function and the value.
 */
export class ImagingError extends RangeError {
  override readonly name = 'ImagingError';
  constructor(
    readonly code: ImagingErrorCode,
    message: string,
  ) {
    super(message);
  }
}
