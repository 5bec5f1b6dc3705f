import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';
import { registerReductionGradients, registerSecondOrderGradients } from './gradients.js';
import { registerWasmTrainingKernels } from './kernels/index.js';
import { wasmBinaryFolder } from './wasm-paths.js';

/** The candidates, best first. `node-gpu` and `node` both run libtensorflow and register tfjs backend 'tensorflow'. */
export const CANDIDATES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type CandidateName = (typeof CANDIDATES)[number];

/** The npm module behind each native candidate. */
export const NATIVE_MODULES = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
} as const satisfies Record<'node-gpu' | 'node', string>;

/** Environment variable that forces a candidate (`auto` or unset: choose). */
export const BACKEND_ENV = 'CS_DFD_BACKEND';

/** Loads a native module for its side effect (registering backend 'tensorflow'); injectable for tests. */
export type ModuleLoader = (moduleName: string) => Promise<unknown>;

export interface InitOptions {
  /** Force one candidate; overrides `CS_DFD_BACKEND`. Default: `auto` (first candidate that works). */
  backend?: CandidateName | 'auto';
  /** Candidates to try, in order. Default: {@link CANDIDATES}. */
  order?: readonly CandidateName[];
  /**
   * wasm threads (XNNPACK pool). Default: tfjs's choice, which is 1 in Node (no SharedArrayBuffer workers
   * there); run parallel work in worker_threads instead.
   */
  wasmThreads?: number;
  /** Folder (with trailing separator) of the .wasm binaries. Default: the installed tfjs-backend-wasm's dist. */
  wasmPaths?: string;
  /** Register the wasm training kernels and the second-order gradients. Default: true. */
  registerKernels?: boolean;
  /** How native modules are loaded. Default: resolve from the working directory, then from this package. */
  loadModule?: ModuleLoader;
  /** Environment to read `CS_DFD_BACKEND` from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
}

/** One candidate's outcome. */
export interface Attempt {
  name: CandidateName;
  ok: boolean;
  reason: string;
}

/** What {@link initBackend} chose and why. */
export interface BackendChoice {
  /** The candidate in use. */
  name: CandidateName;
  /** tfjs's name for the active backend (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** One sentence: why this one. */
  reason: string;
  /** Every candidate tried, in order, with its outcome (the chosen one last). */
  tried: Attempt[];
  /** Whether the choice was forced by the option or `CS_DFD_BACKEND`. */
  forced: boolean;
  /** wasm threads (1 for the other backends). */
  threads: number;
  /** wasm SIMD in use (false for the other backends). */
  simd: boolean;
  /** A GPU device is in use (only tfjs-node-gpu with CUDA can say yes). */
  gpu: boolean;
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}

/**
 * Default loader: resolve from the application's working directory first (pnpm keeps a package's dependencies
 * private, so a user's `pnpm add @tensorflow/tfjs-node-gpu` is only visible from there), then from this package.
 */
export const defaultLoadModule: ModuleLoader = async (moduleName) => {
  const bases = [
    path.join(process.cwd(), 'noop.js'),
    import.meta.filename ?? new URL(import.meta.url).pathname,
  ];
  let lastError: unknown;
  for (const base of bases) {
    let resolved: string;
    try {
      resolved = createRequire(base).resolve(moduleName);
    } catch (e) {
      lastError = e;
      continue;
    }
    return import(pathToFileURL(resolved).href);
  }
  throw lastError;
};

interface NativeBackendFlags {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

async function tryNative(name: 'node-gpu' | 'node', load: ModuleLoader): Promise<Attempt & { gpu: boolean }> {
  const moduleName = NATIVE_MODULES[name];
  const fail = (reason: string) => ({ name, ok: false, reason, gpu: false });
  try {
    await load(moduleName);
  } catch (e) {
    if (isNotFound(e)) return fail(`${moduleName} is not installed`);
    return fail(`${moduleName} is installed but failed to load (broken native addon?): ${message(e)}`);
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return fail(
      `${moduleName} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core (${tf.version_core}); its tfjs version differs`,
    );
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('tensorflow');
  } catch (e) {
    ok = false;
    return fail(`${moduleName} loaded but its backend failed to start: ${message(e)}`);
  }
  if (!ok) return fail(`${moduleName} loaded but its backend failed to start`);
  const flags = tf.backend() as unknown as NativeBackendFlags;
  const gpu = flags.isUsingGpuDevice === true;
  if (name === 'node-gpu' && !gpu) {
    return {
      name,
      ok: true,
      gpu,
      reason: `${moduleName} loaded, but TensorFlow found no usable GPU (no NVIDIA GPU, or CUDA/cuDNN missing): libtensorflow runs on the CPU`,
    };
  }
  return {
    name,
    ok: true,
    gpu,
    reason: gpu ? `${moduleName}: libtensorflow on the GPU` : `${moduleName}: libtensorflow on the CPU`,
  };
}

const PROCESS_ERROR_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `start` (which instantiates the wasm module) and removes the process-wide error listeners the Emscripten
 * glue adds while it does: its `unhandledRejection` listener rethrows, so any stray rejection anywhere in the process
 * would end it with exit code 7 and a raw stack trace instead of reaching the application's own handling (the CLIs
 * print typed errors and exit 1). Nothing of ours relies on them: we never call Emscripten's `exit`.
 */
export async function withoutEmscriptenErrorHandlers<T>(start: () => Promise<T>): Promise<T> {
  // As a plain emitter: Node's typings overload `listeners` per event name, which a loop over names cannot satisfy.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(PROCESS_ERROR_EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  try {
    return await start();
  } finally {
    for (const event of PROCESS_ERROR_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as () => void);
      }
    }
  }
}

async function tryWasm(opts: InitOptions): Promise<Attempt & { threads: number; simd: boolean }> {
  const fail = (reason: string) => ({ name: 'wasm' as const, ok: false, reason, threads: 1, simd: false });
  try {
    setWasmPaths(opts.wasmPaths ?? wasmBinaryFolder());
    if (opts.wasmThreads != null) setThreadsCount(opts.wasmThreads);
    if (opts.registerKernels !== false) registerWasmTrainingKernels();
    const ok = await withoutEmscriptenErrorHandlers(() => tf.setBackend('wasm'));
    if (!ok) return fail('the wasm backend failed to initialise');
  } catch (e) {
    return fail(`the wasm backend failed to initialise: ${message(e)}`);
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  const kernels =
    opts.registerKernels === false ? 'stock kernels (no conv backprop)' : 'training kernels registered';
  return {
    name: 'wasm',
    ok: true,
    threads,
    simd,
    reason: `SIMD ${simd ? 'on' : 'off'}, ${threads} thread${threads === 1 ? '' : 's'}, ${kernels}`,
  };
}

function parseForced(opts: InitOptions): CandidateName | undefined {
  const env = opts.env ?? process.env;
  const raw = opts.backend ?? env[BACKEND_ENV];
  if (raw == null || raw === '' || raw === 'auto') return undefined;
  if ((CANDIDATES as readonly string[]).includes(raw)) return raw as CandidateName;
  const from = opts.backend != null ? 'option backend' : `${BACKEND_ENV}`;
  throw new BackendError('unknown-backend', `${from}='${raw}' is not one of auto, ${CANDIDATES.join(', ')}`);
}

/**
 * Picks and activates the best available tfjs backend: tfjs-node-gpu, then tfjs-node, then wasm, then cpu, and
 * says which and why. A missing or broken native module falls through to the next candidate (never throws);
 * a forced backend (`options.backend` or `CS_DFD_BACKEND`) that cannot start throws a `backend-unavailable`
 * BackendError. With `registerKernels` (default) it also registers the wasm training kernels and the
 * second-order gradients, so the result can train on any of the four.
 */
export async function initBackend(options: InitOptions = {}): Promise<BackendChoice> {
  const forcedName = parseForced(options);
  const order = forcedName != null ? [forcedName] : (options.order ?? CANDIDATES);
  if (order.length === 0) throw new BackendError('bad-argument', 'option order is empty');
  for (const n of order) {
    if (!(CANDIDATES as readonly string[]).includes(n)) {
      throw new BackendError(
        'unknown-backend',
        `option order contains '${n}', not one of ${CANDIDATES.join(', ')}`,
      );
    }
  }
  if (options.registerKernels !== false) {
    registerSecondOrderGradients();
    registerReductionGradients();
  }
  const load = options.loadModule ?? defaultLoadModule;
  const tried: Attempt[] = [];
  for (const name of order) {
    let choice: BackendChoice | undefined;
    if (name === 'node-gpu' || name === 'node') {
      const a = await tryNative(name, load);
      tried.push({ name, ok: a.ok, reason: a.reason });
      if (a.ok)
        choice = {
          name,
          tfBackend: 'tensorflow',
          reason: a.reason,
          tried,
          forced: false,
          threads: 1,
          simd: false,
          gpu: a.gpu,
        };
    } else if (name === 'wasm') {
      const a = await tryWasm(options);
      tried.push({ name, ok: a.ok, reason: a.reason });
      if (a.ok)
        choice = {
          name,
          tfBackend: 'wasm',
          reason: a.reason,
          tried,
          forced: false,
          threads: a.threads,
          simd: a.simd,
          gpu: false,
        };
    } else {
      const ok = await tf.setBackend('cpu');
      const reason = ok
        ? 'pure-JS reference backend (slow: use it for tests, not training)'
        : 'the cpu backend failed to initialise';
      tried.push({ name, ok, reason });
      if (ok)
        choice = {
          name,
          tfBackend: 'cpu',
          reason,
          tried,
          forced: false,
          threads: 1,
          simd: false,
          gpu: false,
        };
    }
    if (choice != null) {
      choice.forced = forcedName != null;
      if (!choice.forced && tried.length > 1) {
        choice.reason = `${choice.reason} (skipped: ${tried
          .slice(0, -1)
          .map((t) => `${t.name}: ${t.reason}`)
          .join('; ')})`;
      }
      return choice;
    }
  }
  const summary = tried.map((t) => `${t.name}: ${t.reason}`).join('; ');
  if (forcedName != null)
    throw new BackendError(
      'backend-unavailable',
      `forced backend '${forcedName}' is unavailable: ${summary}`,
    );
  throw new BackendError('no-backend', `no backend could start: ${summary}`);
}
