/**
 * Self-Blended Images in worker threads (DESIGN §12: two cores, run data synthesis in worker_threads). Each sample
 * carries its own seed, so the bytes depend on the sample alone, never on the pool size or on which worker took it.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Rng, RngState } from '@cs-dfd/rng';
import { workerExecArgv } from '@cs-dfd/worker-threads';
import { ForgeryError } from './errors.js';
import { deserializeError, type SynthesisRequest, type SynthesisResponse, serve } from './pool-protocol.js';
import type { SelfBlendOptions, SelfBlendParams } from './sbi.js';
import type { Landmarks, Mask, RgbImage } from './types.js';

/** One sample for {@link SynthesisPool.run}. */
export interface SynthesisJob {
  readonly image: RgbImage;
  readonly landmarks: Landmarks;
  /** The sample's generator: a seed or an {@link Rng} state. The output equals `selfBlend(…, new Rng(seed))`. */
  readonly seed: number | RngState;
  /** Names the sample in errors. Default: the seed. */
  readonly id?: string | number;
  /** Overrides the pool's {@link SynthesisPoolOptions.options} for this sample. */
  readonly options?: SelfBlendOptions;
  /**
   * Move the image's buffer to the worker instead of copying it; the caller's `image.data` is detached
   * afterwards. Only done when the view spans its whole buffer. Default false.
   */
  readonly transferImage?: boolean;
}

/** What a worker sends back: the fake and its blend mask (buffers transferred, not copied) and the draws. */
export interface SynthesisOutput {
  readonly fake: RgbImage;
  readonly mask: Mask;
  readonly params: SelfBlendParams;
}

/** Options of {@link SynthesisPool}. */
export interface SynthesisPoolOptions {
  /**
   * Worker threads. Default `max(1, os.availableParallelism() − 1)`, leaving a core to the caller (the trainer).
   * `0` runs every sample on the calling thread (same bytes; for environments without the built worker).
   */
  readonly size?: number;
  /** `selfBlend` options for every sample. Default `{}`. */
  readonly options?: SelfBlendOptions;
  /** Samples queued on one worker at a time, so it never waits for the next message. Default 2. */
  readonly perWorker?: number;
  /** The worker script. Default: `pool-worker.js` next to this module (in `dist/` when running from sources). */
  readonly workerScript?: URL;
}

/** A sample failed in a worker (or the pool closed under it); `sample` is its id and `cause` the worker's error. */
export class SynthesisPoolError extends Error {
  override readonly name = 'SynthesisPoolError';
  constructor(
    /** The failed sample's {@link SynthesisJob.id} (or its seed). */
    readonly sample: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`SynthesisPool: sample ${sample}: ${message}`, options);
  }
}

/** The compiled worker next to this module, or in the package's `dist/` when this module runs from `src/*.ts`. */
export function defaultWorkerScript(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../dist/pool-worker.js', import.meta.url)
    : new URL('./pool-worker.js', import.meta.url);
}

interface Pending {
  readonly request: SynthesisRequest;
  readonly sample: string;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (o: SynthesisOutput) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly inFlight: Map<number, Pending>;
  readonly exited: Promise<void>;
}

const sampleName = (job: SynthesisJob) =>
  job.id !== undefined ? String(job.id) : `seed ${JSON.stringify(job.seed)}`;

/**
 * A pool of worker threads making Self-Blended Images. `run(job)` resolves to the fake and mask that
 * `selfBlend(job.image, job.landmarks, new Rng(job.seed), options)` makes on this thread, byte for byte.
 * `close()` ends the workers; a failed sample rejects with a {@link SynthesisPoolError} naming it.
 */
export class SynthesisPool {
  /** Worker threads (0: in-process). */
  readonly size: number;
  private readonly options: SelfBlendOptions;
  private readonly perWorker: number;
  private readonly script: URL;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextJob = 0;
  private closed = false;
  private alive = 0;

  constructor(options: SynthesisPoolOptions = {}) {
    const size = options.size ?? Math.max(1, os.availableParallelism() - 1);
    if (!Number.isInteger(size) || size < 0 || size > 256) {
      throw new ForgeryError(
        'option.range',
        'SynthesisPool',
        'options.size',
        size,
        'must be an integer in 0..256',
      );
    }
    const perWorker = options.perWorker ?? 2;
    if (!Number.isInteger(perWorker) || perWorker < 1) {
      throw new ForgeryError('option.range', 'SynthesisPool', 'options.perWorker', perWorker, 'must be >= 1');
    }
    this.size = size;
    this.options = options.options ?? {};
    this.perWorker = perWorker;
    this.script = options.workerScript ?? defaultWorkerScript();
    if (size > 0 && this.script.protocol === 'file:' && !existsSync(fileURLToPath(this.script))) {
      throw new ForgeryError(
        'input.read',
        'SynthesisPool',
        'options.workerScript',
        fileURLToPath(this.script),
        'not found: build the package (pnpm --filter @cs-dfd/forgery run build) or use size 0',
      );
    }
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** The worker threads, for monitoring (their `exit` events, `threadId`, `resourceLimits`). */
  get threads(): readonly Worker[] {
    return this.slots.map((s) => s.worker);
  }

  /** Live worker threads (counted down by their `exit` events). */
  get liveWorkers(): number {
    return this.alive;
  }

  /** Synthesises one sample. */
  run(job: SynthesisJob): Promise<SynthesisOutput> {
    const sample = sampleName(job);
    if (this.closed) return Promise.reject(new SynthesisPoolError(sample, 'the pool is closed'));
    const { width, height } = job.image;
    const src = job.image.data;
    const whole = src.byteOffset === 0 && src.byteLength === src.buffer.byteLength;
    const moving = job.transferImage === true && whole && this.size > 0;
    const data = moving ? new Uint8Array(src.buffer as ArrayBuffer) : Uint8Array.from(src);
    const request: SynthesisRequest = {
      job: this.nextJob++,
      width,
      height,
      data,
      landmarks: job.landmarks,
      seed: job.seed,
      options: job.options ?? this.options,
    };
    if (this.size === 0) {
      return new Promise((resolve, reject) => {
        const { response } = serve(request);
        settle(response, { request, sample, transfer: [], resolve, reject });
      });
    }
    return new Promise((resolve, reject) => {
      // The copy made above (or the caller's buffer, when allowed) moves to the worker instead of being cloned.
      this.queue.push({ request, sample, transfer: [data.buffer as ArrayBuffer], resolve, reject });
      this.dispatch();
    });
  }

  /**
   * The `synthesize(face, rng)` hook of `@cs-dfd/data`'s `BatchLoader`, backed by this pool: the sample's
   * generator is `rng`'s current state (the caller's `rng` is not advanced; the loader makes one per sample).
   */
  synthesizer(): (face: { image: RgbImage; landmarks: Landmarks }, rng: Rng) => Promise<RgbImage> {
    return async (face, rng) =>
      (await this.run({ image: face.image, landmarks: face.landmarks, seed: rng.state() })).fake;
  }

  /** Terminates the workers; queued and running samples reject. Resolves once every worker has exited. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new SynthesisPoolError(p.sample, 'the pool was closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        await s.worker.terminate();
        await s.exited;
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(this.script, { execArgv: workerExecArgv() });
    const inFlight = new Map<number, Pending>();
    this.alive++;
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        this.alive--;
        const why = this.closed ? 'the pool was closed' : `its worker exited with code ${code}`;
        this.failAll(inFlight, why);
        resolve();
      });
    });
    worker.on('message', (res: SynthesisResponse) => {
      const p = inFlight.get(res.job);
      if (!p) return;
      inFlight.delete(res.job);
      if (inFlight.size === 0) worker.unref();
      settle(res, p);
      this.dispatch();
    });
    worker.on('error', (e) => {
      // An uncaught failure kills the thread: its samples fail with their names, a fresh worker takes its place.
      this.failAll(inFlight, `its worker failed: ${e.message}`, e);
      const i = this.slots.findIndex((s) => s.worker === worker);
      if (i >= 0 && !this.closed) {
        this.slots[i] = this.spawn();
        this.dispatch();
      }
    });
    // An idle pool must not keep the process alive; a busy worker is ref'd (dispatch) until its samples return.
    worker.unref();
    return { worker, inFlight, exited };
  }

  private failAll(inFlight: Map<number, Pending>, why: string, cause?: unknown): void {
    for (const p of inFlight.values()) p.reject(new SynthesisPoolError(p.sample, why, { cause }));
    inFlight.clear();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots) if (!best || s.inFlight.size < best.inFlight.size) best = s;
      if (!best || best.inFlight.size >= this.perWorker) return;
      const p = this.queue.shift()!;
      best.inFlight.set(p.request.job, p);
      best.worker.ref();
      best.worker.postMessage(p.request, p.transfer);
    }
  }
}

function settle(res: SynthesisResponse, p: Pending): void {
  if ('error' in res) {
    const cause = deserializeError(res.error);
    p.reject(new SynthesisPoolError(p.sample, cause.message, { cause }));
    return;
  }
  p.resolve({
    fake: { width: res.width, height: res.height, data: res.fake },
    mask: { width: res.width, height: res.height, data: res.mask },
    params: res.params,
  });
}
