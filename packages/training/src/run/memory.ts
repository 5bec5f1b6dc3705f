import * as tf from '@tensorflow/tfjs-core';

/**
 * Steps whose peak is taken inside the step: the process's first two (the first creates the optimizer's slots and
 * the EMAs, the second is the steady state every later step repeats — a step's tensors depend on the batch shape
 * only), then one every {@link PROFILE_EVERY}. Profiling records every kernel, which costs time, so not every step.
 */
export const PROFILE_FIRST = 2;
export const PROFILE_EVERY = 500;

/** The wasm backend's heap in bytes (it only grows: its size is the high-water mark), or null on other backends. */
function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap === undefined ? null : heap.buffer.byteLength;
}

/** Memory watermarks over a run (the report's `memory`). */
export class MemoryWatch {
  peakRss = 0;
  /** Bytes of live tensors at the highest point seen, inside profiled steps or between steps. */
  peakTfBytes = 0;
  /** The highest point inside the profiled steps (tf.profile's peak after every kernel); 0 before any. */
  peakTfBytesInStep = 0;
  peakTensors = 0;
  /** The wasm heap's size at the end (its high-water mark), null on other backends. */
  wasmHeapBytes: number | null = null;
  /** Steps (1-based) whose peak was taken inside the step. */
  profiledSteps: number[] = [];
  tensorsAfterStep: number[] = [];
  private stepsSeen = 0;

  sample(): void {
    const rss = process.memoryUsage().rss;
    const m = tf.memory();
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakTfBytes = Math.max(this.peakTfBytes, m.numBytes);
    this.peakTensors = Math.max(this.peakTensors, m.numTensors);
    const heap = wasmHeapBytes();
    if (heap !== null) this.wasmHeapBytes = Math.max(this.wasmHeapBytes ?? 0, heap);
  }

  /**
   * Runs one training step (0-based `step`), inside `tf.profile` on the sampled steps (see {@link PROFILE_EVERY}),
   * whose peak — the engine's tensor bytes after every kernel, the backward pass's high point included — then
   * counts toward {@link peakTfBytes}.
   */
  async step<T>(step: number, run: () => T | Promise<T>): Promise<T> {
    const sampled = this.stepsSeen < PROFILE_FIRST || (step + 1) % PROFILE_EVERY === 0;
    this.stepsSeen++;
    if (!sampled) return run();
    let out: T | undefined;
    // the step workers' forward/backward runs in their own realms: on that path the peak is the main thread's apply
    const info = await tf.profile(async () => {
      out = await run();
    });
    this.peakTfBytesInStep = Math.max(this.peakTfBytesInStep, info.peakBytes);
    this.peakTfBytes = Math.max(this.peakTfBytes, info.peakBytes);
    this.profiledSteps.push(step + 1);
    return out as T;
  }
}
