/** What went wrong, for callers that branch on it. */
export type MultiMnistErrorCode = 'bad-file' | 'missing-data' | 'invalid-option';

/** Typed error of the MultiMNIST protocol: names the file, field or option and the offending value. */
export class MultiMnistError extends Error {
  override readonly name = 'MultiMnistError';
  constructor(
    readonly code: MultiMnistErrorCode,
    message: string,
  ) {
    super(message);
  }
}
