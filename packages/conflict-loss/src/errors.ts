/** What went wrong when building or evaluating the Conflict Descent Loss. */
export type ConflictLossErrorCode =
  | 'invalid-head' // a head without the required tensors/functions, or shapes that do not fit together
  | 'invalid-batch' // features, labels or source rows that do not fit (bad row index, empty source, shape)
  | 'invalid-option'; // mode, rho, weight or split out of range

/**
 * Typed error of `@cs-dfd/conflict-loss`. `field` names the offending argument (`"sources[1].rows[3]"`,
 * `"head.vars.Wp"`, `"options.mode"`), so a trainer can report which config entry is wrong.
 */
export class ConflictLossError extends Error {
  override readonly name = 'ConflictLossError';
  readonly code: ConflictLossErrorCode;
  readonly field: string;

  constructor(code: ConflictLossErrorCode, field: string, message: string) {
    super(`${field}: ${message}`);
    this.code = code;
    this.field = field;
  }
}
