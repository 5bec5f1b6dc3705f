/** What went wrong, machine-readable. */
export type ForgeryErrorCode =
  | 'image.shape'
  | 'image.data'
  | 'mask.shape'
  | 'landmarks.count'
  | 'landmarks.nonfinite'
  | 'landmarks.outside'
  | 'option.range'
  | 'pool.empty'
  | 'input.read';

/**
 * The one error type of this package: says which task failed, on which field, with which value.
 * Thrown for bad inputs only; the synthesis itself never fails on valid input.
 */
export class ForgeryError extends Error {
  override readonly name = 'ForgeryError';
  constructor(
    readonly code: ForgeryErrorCode,
    /** The function or command that refused the input, e.g. `selfBlend`. */
    readonly task: string,
    /** The offending field, e.g. `landmarks[17][0]` or `options.blurKernel`. */
    readonly field: string,
    /** The offending value (kept as given). */
    readonly value: unknown,
    detail: string,
  ) {
    super(`${task}: ${field} = ${formatValue(value)}: ${detail}`);
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.slice(0, 4).map(formatValue).join(', ')}${v.length > 4 ? ', …' : ''}]`;
  if (v === null || v === undefined) return String(v);
  return Object.prototype.toString.call(v);
}
