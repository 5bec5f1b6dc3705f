/** What went wrong with an aggregation input. */
export type GramianErrorCode =
  | 'shape' // K, lengths or keys disagree
  | 'non-finite' // NaN or ±Inf in a gradient or in G
  | 'negative-diagonal' // G_ii < 0: G is not a Gram matrix
  | 'asymmetric' // G_ij != G_ji beyond rounding
  | 'invalid-weights' // a weighting returned NaN/Inf or the wrong length
  | 'invalid-option' // a factory option is out of range
  | 'invalid-state'; // an imported method or tracker state is malformed or does not fit the instance

/**
 * Typed error for every bad input of the aggregation contract. `task` is the 0-based index of the offending task
 * (and `taskName` its label, when the caller gave labels); `parameter` names the tensor when one is known.
 */
export class GramianError extends Error {
  override readonly name = 'GramianError';
  readonly code: GramianErrorCode;
  readonly task: number | undefined;
  readonly taskName: string | undefined;
  readonly parameter: string | undefined;

  constructor(
    code: GramianErrorCode,
    message: string,
    details: { task?: number; taskName?: string; parameter?: string } = {},
  ) {
    super(message);
    this.code = code;
    this.task = details.task;
    this.taskName = details.taskName;
    this.parameter = details.parameter;
  }
}

/** Label used in messages: the task's name when given, else `task i`. */
export function taskLabel(i: number, names?: readonly string[]): string {
  const n = names?.[i];
  return n === undefined ? `task ${i}` : `task ${i} ("${n}")`;
}

/** Throws `invalid-option` unless `value` is a finite number within [min, max]. */
export function checkOption(
  method: string,
  option: string,
  value: number,
  min: number,
  max = Infinity,
): void {
  if (!Number.isFinite(value) && !(value === Infinity && max === Infinity)) {
    throw new GramianError('invalid-option', `${method}: option ${option} must be a number, got ${value}`);
  }
  if (value < min || value > max) {
    throw new GramianError(
      'invalid-option',
      `${method}: option ${option} must be in [${min}, ${max}], got ${value}`,
    );
  }
}

/** Throws `invalid-option` unless `value` is one of `choices` (named in the message, quoted). */
export function checkChoice<T extends string>(
  method: string,
  option: string,
  value: unknown,
  choices: readonly T[],
): asserts value is T {
  if (!choices.includes(value as T)) {
    const names = choices.map((c) => `'${c}'`).join(' or ');
    throw new GramianError(
      'invalid-option',
      `${method}: option ${option} must be ${names}, got ${String(value)}`,
    );
  }
}

/** Throws `invalid-option` unless `value` is an integer within [min, max] (iteration caps, counts). */
export function checkInteger(method: string, option: string, value: number, min: number, max: number): void {
  checkOption(method, option, value, min, max);
  if (!Number.isInteger(value)) {
    throw new GramianError('invalid-option', `${method}: option ${option} must be an integer, got ${value}`);
  }
}
