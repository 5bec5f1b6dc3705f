/**
 * Why a detector call failed, machine-readable so callers can branch on it.
 * - `invalid-config`: a detector option is out of range or of the wrong kind (the message names the field).
 * - `invalid-input`: an input tensor has the wrong rank, size or channel count.
 * - `shape-mismatch`: a stored weight's shape differs from the model's (the message names the weight and both shapes).
 * - `missing-weight`: a weight the model needs is absent from the file.
 * - `unexpected-weight`: the file holds a weight the model does not have (strict loading only).
 * - `bad-file`: a model.json / weights file is unreadable, malformed or points outside its folder.
 * - `disposed`: the detector was used after `dispose()`.
 */
export type DetectorErrorCode =
  | 'invalid-config'
  | 'invalid-input'
  | 'shape-mismatch'
  | 'missing-weight'
  | 'unexpected-weight'
  | 'bad-file'
  | 'disposed';

/** The one error type thrown by `@cs-dfd/detectors`. */
export class DetectorError extends Error {
  override readonly name = 'DetectorError';
  readonly code: DetectorErrorCode;
  /** The weight concerned, when there is one. */
  readonly weight: string | undefined;
  /** The file concerned, when there is one. */
  readonly file: string | undefined;

  constructor(
    code: DetectorErrorCode,
    message: string,
    details: { weight?: string; file?: string; cause?: unknown } = {},
  ) {
    super(
      `@cs-dfd/detectors: ${message}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.code = code;
    this.weight = details.weight;
    this.file = details.file;
  }
}

/** Throws `invalid-config` unless `value` is a finite number in [min, max] (and an integer when asked). */
export function checkNumber(
  field: string,
  value: unknown,
  min: number,
  max: number,
  integer = false,
): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? 'an integer' : 'a number';
    throw new DetectorError(
      'invalid-config',
      `${field} must be ${kind} in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Throws `invalid-config` unless `value` is one of `allowed`. */
export function checkChoice<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new DetectorError(
      'invalid-config',
      `${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}
