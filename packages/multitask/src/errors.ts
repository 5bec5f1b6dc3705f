/** What went wrong in a multi-task step. */
export type MultitaskErrorCode =
  | 'invalid-problem' // variables listed twice or in two groups, bad rows, empty task list, duplicate task names
  | 'invalid-option' // an option out of range (extra weight, onNonFinite, optimizer)
  | 'not-scalar' // a loss closure returned something other than a scalar tensor
  | 'non-finite' // a loss or a gradient held NaN/±Inf (only thrown with onNonFinite: 'throw')
  | 'no-gradients'; // tfjs has no gradient functions registered (tfjs-core alone under Node)

/**
 * Typed error of `@cs-dfd/multitask`. `task` is the task's name (or `"extra"` for the coupled loss term) and
 * `taskIndex` its 0-based index (-1 for the extra term), when the problem belongs to one task; `variable` names the
 * tfjs variable when one is known.
 */
export class MultitaskError extends Error {
  override readonly name = 'MultitaskError';
  readonly code: MultitaskErrorCode;
  readonly task: string | undefined;
  readonly taskIndex: number | undefined;
  readonly variable: string | undefined;

  constructor(
    code: MultitaskErrorCode,
    message: string,
    details: { task?: string; taskIndex?: number; variable?: string } = {},
  ) {
    super(message);
    this.code = code;
    this.task = details.task;
    this.taskIndex = details.taskIndex;
    this.variable = details.variable;
  }
}

/** Label of a task in messages: `task 1 ("synthetic")`, or `extra loss` for index -1. */
export function taskLabel(index: number, name: string): string {
  return index < 0 ? 'extra loss' : `task ${index} ("${name}")`;
}
