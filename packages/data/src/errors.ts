/** What was wrong with a piece of data. */
export type DataErrorCode =
  | 'index-schema' // the DeepfakeBench JSON does not match the layout; `keyPath` names where
  | 'unknown-label' // a label string with no entry in the label map
  | 'path-escape' // a path resolves outside the dataset root
  | 'missing-file' // an image, landmark or index file does not exist / cannot be read
  | 'corrupt-image' // an image that the decoder rejects
  | 'landmark-shape' // a landmark file that is not N×2 finite numbers with N = 68 (or 81)
  | 'empty-split' // a split (or a source of the batch loader) without samples
  | 'invalid-option'; // an option out of range

/**
 * Typed error for bad data. `file` is the offending file (absolute path) when there is one, `keyPath` the JSON key
 * path inside an index file (e.g. `FaceForensics++ > FF-DF > train > c23 > 000_003 > frames > 2`).
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly code: DataErrorCode;
  readonly file: string | undefined;
  readonly keyPath: string | undefined;

  constructor(code: DataErrorCode, message: string, details: { file?: string; keyPath?: string } = {}) {
    super(message);
    this.code = code;
    this.file = details.file;
    this.keyPath = details.keyPath;
  }
}

/**
 * What to do with a bad sample (unreadable or corrupt image, bad landmarks, path outside the root):
 * `'error'` (default) throws the {@link DataError}; `'skip'` drops the sample, counts it and records why in a
 * {@link SkipLog}. Nothing is dropped silently.
 */
export type BadSamplePolicy = 'error' | 'skip';

/** One skipped sample. */
export interface SkippedSample {
  readonly file: string;
  readonly code: DataErrorCode;
  readonly reason: string;
}

/** Collects skipped samples under the `'skip'` policy. */
export class SkipLog {
  readonly items: SkippedSample[] = [];

  get count(): number {
    return this.items.length;
  }

  /** Under `'skip'` records the error and returns; under `'error'` rethrows it. Other errors always propagate. */
  handle(err: unknown, policy: BadSamplePolicy): void {
    if (policy === 'skip' && err instanceof DataError && err.code !== 'invalid-option') {
      this.items.push({ file: err.file ?? '', code: err.code, reason: err.message });
      return;
    }
    throw err;
  }

  /** Counts per error code, e.g. `{ 'corrupt-image': 2 }`. */
  summary(): Partial<Record<DataErrorCode, number>> {
    const out: Partial<Record<DataErrorCode, number>> = {};
    for (const it of this.items) out[it.code] = (out[it.code] ?? 0) + 1;
    return out;
  }
}
