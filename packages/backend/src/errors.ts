/**
 * Why a backend call failed, machine-readable so callers can branch on it.
 * - `unknown-backend`: a forced backend name is not one this package knows.
 * - `backend-unavailable`: a forced backend could not be started (the reason names the module and its error).
 * - `no-backend`: every candidate failed (cannot happen while `cpu` is a candidate).
 * - `kernel-missing`: a kernel this package composes from is not registered for the backend.
 * - `gradients-missing`: tfjs-core's gradient registry is empty and could not be filled.
 * - `bad-argument`: an option or tensor argument is invalid.
 */
export type BackendErrorCode =
  | 'unknown-backend'
  | 'backend-unavailable'
  | 'no-backend'
  | 'kernel-missing'
  | 'gradients-missing'
  | 'bad-argument';

/** The one error type thrown by `@cs-dfd/backend`; `code` says which failure, `message` names the value. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`@cs-dfd/backend: ${message}`, options);
  }
}
