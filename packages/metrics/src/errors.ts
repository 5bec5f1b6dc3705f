/** What was wrong with a metric's input. */
export type MetricsErrorCode =
  | 'length-mismatch' // labels and scores (or video ids) differ in length
  | 'invalid-label' // a label is not 0 (real) or 1 (fake)
  | 'non-finite-score' // NaN or ±Inf among the scores
  | 'label-conflict' // frames of one video id carry different labels
  | 'invalid-option'; // an option is out of range

/**
 * Typed error for bad metric input. `index` is the 0-based position of the offending sample when one is known,
 * `field` names the argument or option.
 */
export class MetricsError extends Error {
  override readonly name = 'MetricsError';
  readonly code: MetricsErrorCode;
  readonly index: number | undefined;
  readonly field: string | undefined;

  constructor(code: MetricsErrorCode, message: string, details: { index?: number; field?: string } = {}) {
    super(message);
    this.code = code;
    this.index = details.index;
    this.field = details.field;
  }
}

/**
 * Receives the warnings of documented degenerate cases (one class only, an empty class). Metrics return NaN in
 * those cases and call this instead of throwing, so one degenerate split never stops an evaluation.
 */
export type WarnFn = (message: string) => void;

/** Options shared by every metric. */
export interface MetricOptions {
  /** Where degenerate-case warnings go. Default: `console.warn`. */
  readonly warn?: WarnFn;
}

/** The warn callback of `opts`, or `console.warn`. */
export function warnerOf(opts: MetricOptions | undefined): WarnFn {
  return opts?.warn ?? ((m: string) => console.warn(m));
}
