/**
 * The messages between {@link SynthesisPool} and its workers, and the one function that serves a request, so the
 * worker thread and the in-process mode run the same code.
 */
import { Rng, type RngState } from '@cs-dfd/rng';
import { ForgeryError, type ForgeryErrorCode } from './errors.js';
import { type SelfBlendOptions, type SelfBlendParams, selfBlend } from './sbi.js';
import type { Landmarks } from './types.js';

/** One sample to synthesise: everything travels by value (the pixels by transfer where allowed). */
export interface SynthesisRequest {
  readonly job: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  readonly landmarks: Landmarks;
  readonly seed: number | RngState;
  readonly options: SelfBlendOptions;
}

/** A failure, flattened so that it survives structured cloning with its fields. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: ForgeryErrorCode;
  readonly task?: string;
  readonly field?: string;
  readonly value?: string;
}

export type SynthesisResponse =
  | {
      readonly job: number;
      readonly width: number;
      readonly height: number;
      readonly fake: Uint8Array;
      readonly mask: Float32Array;
      readonly params: SelfBlendParams;
    }
  | { readonly job: number; readonly error: SerializedError };

function serializeError(e: unknown): SerializedError {
  if (e instanceof ForgeryError) {
    return {
      name: e.name,
      message: e.message,
      stack: e.stack,
      code: e.code,
      task: e.task,
      field: e.field,
      value: String(e.value),
    };
  }
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

/** Rebuilds the error a worker reported: a {@link ForgeryError} keeps its code, task and field. */
export function deserializeError(s: SerializedError): Error {
  const e =
    s.code && s.task !== undefined && s.field !== undefined
      ? Object.assign(new ForgeryError(s.code, s.task, s.field, s.value, ''), { message: s.message })
      : Object.assign(new Error(s.message), { name: s.name });
  if (s.stack) e.stack = s.stack;
  return e;
}

/**
 * Serves one request: `selfBlend(image, landmarks, new Rng(seed), options)`. The answer's pixel buffers are
 * listed in `transfer`; they were allocated by this call, so moving them costs nothing.
 */
export function serve(req: SynthesisRequest): { response: SynthesisResponse; transfer: ArrayBuffer[] } {
  try {
    const image = { width: req.width, height: req.height, data: req.data };
    const r = selfBlend(image, req.landmarks, new Rng(req.seed), req.options);
    const fake = r.fake.data as Uint8Array;
    const mask = r.mask.data;
    return {
      response: { job: req.job, width: req.width, height: req.height, fake, mask, params: r.params },
      transfer: [fake.buffer as ArrayBuffer, mask.buffer as ArrayBuffer],
    };
  } catch (e) {
    return { response: { job: req.job, error: serializeError(e) }, transfer: [] };
  }
}
