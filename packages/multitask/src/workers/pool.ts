/**
 * Per-task gradients on worker threads (DESIGN §3.3, §12). tfjs runs wasm on one thread in Node, so the only way to
 * use a second core is a second JavaScript realm with its own tfjs. The main thread keeps the real variables; each
 * step it copies them into one SharedArrayBuffer, every worker refreshes its replica from it, computes its tasks'
 * forward+backward on their sub-batches, writes each flattened gradient into that task's SharedArrayBuffer and
 * posts a message. The main thread turns the buffers back into `TaskGradient`s for `applyTaskGradients`.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { disposeMaps } from '@cs-dfd/gramian/tfjs';
import { workerExecArgv } from '@cs-dfd/worker-threads';
import * as tf from '@tensorflow/tfjs-core';
import { disjointTaskGradient, type TaskGradient } from '../task-gradient.js';
import { namedMap } from '../variables.js';
import { WorkerPoolError } from './errors.js';
import {
  type Group,
  layoutMismatch,
  type ReplicaLayout,
  replicaLayout,
  segmentView,
  storeParameters,
} from './layout.js';
import type { TaskRequest, TensorData, WorkerInit, WorkerReply } from './protocol.js';
import type { Replica } from './replica.js';

/** Options of {@link TaskWorkerPool.start}. */
export interface WorkerPoolOptions {
  /**
   * The replica module every worker imports (a {@link ReplicaModule}): a `file:` URL or an absolute path to
   * JavaScript that Node can load (compiled, not TypeScript).
   */
  module: string | URL;
  /** Structured-clonable value passed to the module's `setup` and `createReplica`. */
  options?: unknown;
  /** The main thread's replica: its variables are the real parameters, read before every step. */
  model: Replica;
  /** Worker threads. Default: `min(2, availableParallelism())` (DESIGN §12: two cores). */
  workers?: number;
  /**
   * Compute task 0 on the main thread (with `model`) while the workers compute the others. Default `false`: every
   * task goes to a worker (task k to worker k mod `workers`) and the main thread only waits.
   */
  mainThread?: boolean;
  /** The compiled worker entry. Default: `worker-main.js` of this package's build. */
  workerScript?: URL;
  /** Node flags of the workers. Default: the process's, less the ones that break a worker ({@link workerExecArgv}). */
  execArgv?: readonly string[];
}

/** Where a task runs: `'main'` or a worker's index. */
export type Placement = 'main' | number;

interface Pending {
  worker: number;
  task: number;
  resolve: (r: { loss: number; ms: number }) => void;
  reject: (e: Error) => void;
}

const NUMERIC = new Set(['float32', 'int32', 'bool']);

/** The compiled worker entry next to this module, or in the package's `dist/` when this runs from sources. */
export function defaultWorkerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/workers/worker-main.js', here)
    : new URL('./worker-main.js', here);
}

function moduleHref(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (module.startsWith('file:')) return module;
  if (module.startsWith('/') || /^[A-Za-z]:[\\/]/.test(module)) return pathToFileURL(module).href;
  throw new WorkerPoolError(
    'invalid-option',
    `module must be a file: URL or an absolute path, got "${module}" (a worker resolves nothing relative to the caller)`,
  );
}

export { workerExecArgv };

function tensorData(t: tf.Tensor, task: number, name: string, i: number): TensorData {
  if (!(t instanceof tf.Tensor) || t.isDisposed || !NUMERIC.has(t.dtype)) {
    const what = t instanceof tf.Tensor ? (t.isDisposed ? 'disposed' : t.dtype) : typeof t;
    throw new WorkerPoolError(
      'invalid-input',
      `task ${task} ("${name}"): input ${i} must be a float32, int32 or bool tensor, got ${what}`,
      { task: name, taskIndex: task },
    );
  }
  // slice(): dataSync may return the backend's own storage, which must neither be shared nor detached.
  const data = (t.dataSync() as Float32Array | Int32Array | Uint8Array).slice();
  return { shape: [...t.shape], dtype: t.dtype as TensorData['dtype'], data };
}

function gradientMap(
  variables: readonly tf.Variable[],
  buffer: Float32Array,
  base: number,
  g: Group,
): tf.NamedTensorMap {
  return namedMap(
    variables,
    g.segments.map((s) =>
      tf.tensor(buffer.slice(base + s.offset, base + s.offset + s.size), s.shape as number[], 'float32'),
    ),
  );
}

/**
 * A pool of worker threads, each with its own tfjs and a replica of the model, that computes per-task gradients
 * in parallel. Create with {@link TaskWorkerPool.start}; always {@link TaskWorkerPool.close} it (live workers keep
 * the process alive).
 */
export class TaskWorkerPool {
  /** Where each task runs. */
  readonly placement: readonly Placement[];
  /** The buffers' layout (from the main thread's replica). */
  readonly layout: ReplicaLayout;
  /** The tfjs backend each worker ended up on (from its `setup`). */
  readonly backends: readonly string[];

  readonly #model: Replica;
  readonly #workers: Worker[];
  readonly #exits: Promise<number>[];
  readonly #params: Float32Array;
  readonly #grads: Float32Array[];
  readonly #states: Float32Array[];
  readonly #tensors: number[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #version = 0;
  #failure: WorkerPoolError | undefined;
  #closing: Promise<number[]> | undefined;
  #busy = false;

  private constructor(
    init: {
      model: Replica;
      layout: ReplicaLayout;
      placement: Placement[];
      workers: Worker[];
      exits: Promise<number>[];
      params: Float32Array;
      grads: Float32Array[];
      states: Float32Array[];
    },
    ready: ReadonlyArray<Extract<WorkerReply, { type: 'ready' }>>,
  ) {
    this.#model = init.model;
    this.layout = init.layout;
    this.placement = init.placement;
    this.#workers = init.workers;
    this.#exits = init.exits;
    this.#params = init.params;
    this.#grads = init.grads;
    this.#states = init.states;
    this.backends = ready.map((r) => r.backend);
    this.#tensors = ready.map((r) => r.tensors);
    this.#workers.forEach((w, i) => {
      w.on('message', (m: WorkerReply) => this.#onReply(i, m));
      w.on('error', (e) =>
        this.#fail(new WorkerPoolError('worker-failed', `worker ${i}: ${e.message}`, { worker: i })),
      );
      w.on('exit', (code) => {
        if (this.#closing === undefined) {
          this.#fail(
            new WorkerPoolError('worker-failed', `worker ${i} exited with code ${code}`, { worker: i }),
          );
        }
      });
    });
  }

  /**
   * Starts the workers and waits until each has built its replica. Throws `replica-mismatch` when a worker's
   * replica differs from `model` (task names, variable count, shape), `worker-failed` when the module or its
   * `setup` / `createReplica` throws (with the worker's message), `not-built` without a compiled worker script.
   * No worker survives a failed start.
   */
  static async start(options: WorkerPoolOptions): Promise<TaskWorkerPool> {
    const count = options.workers ?? Math.min(2, availableParallelism());
    if (!Number.isInteger(count) || count < 1) {
      throw new WorkerPoolError('invalid-option', `workers must be an integer >= 1, got ${count}`);
    }
    const module = moduleHref(options.module);
    const script = options.workerScript ?? defaultWorkerScript();
    if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) {
      throw new WorkerPoolError(
        'not-built',
        `worker script ${script.href} does not exist: build @cs-dfd/multitask first (pnpm build); workers run compiled JavaScript`,
      );
    }
    const model = options.model;
    const layout = replicaLayout(model);
    const K = layout.tasks.length;
    if (K === 0) throw new WorkerPoolError('invalid-option', 'the model has no tasks');
    const mainThread = options.mainThread ?? false;
    const placement: Placement[] = Array.from({ length: K }, (_, k) =>
      mainThread ? (k === 0 ? 'main' : (k - 1) % count) : k % count,
    );
    const parameters = new SharedArrayBuffer(4 * layout.parameters);
    const gradients = layout.tasks.map((t) => new SharedArrayBuffer(4 * (layout.shared.size + t.size)));
    const states = layout.tasks.map(() => new SharedArrayBuffer(4 * layout.state.size));
    if (mainThread && layout.state.size > 0) {
      throw new WorkerPoolError(
        'invalid-option',
        'mainThread: a replica with state cannot run a task on the main thread (the task would change the real state)',
      );
    }
    const execArgv = [...(options.execArgv ?? workerExecArgv())];
    const workers: Worker[] = [];
    const exits: Promise<number>[] = [];
    const ready: Array<Promise<Extract<WorkerReply, { type: 'ready' }>>> = [];
    for (let i = 0; i < count; i++) {
      const data: WorkerInit = {
        index: i,
        module,
        options: options.options,
        layout,
        parameters,
        gradients,
        states,
      };
      const w = new Worker(script, { workerData: data, execArgv });
      workers.push(w);
      exits.push(new Promise((resolve) => w.once('exit', resolve)));
      ready.push(
        new Promise((resolve, reject) => {
          const fail = (message: string) =>
            reject(new WorkerPoolError('worker-failed', `worker ${i}: ${message}`, { worker: i }));
          w.once('message', (m: WorkerReply) => {
            if (m.type === 'ready') resolve(m);
            else fail(m.type === 'failed' ? m.message : `unexpected ${m.type} before ready`);
          });
          w.once('error', (e) => fail(e.message));
          w.once('exit', (code) => fail(`exited with code ${code} while starting`));
        }),
      );
    }
    let replies: Array<Extract<WorkerReply, { type: 'ready' }>>;
    try {
      replies = await Promise.all(ready);
      replies.forEach((r, i) => {
        const diff = layoutMismatch(layout, r.layout);
        if (diff !== undefined) {
          throw new WorkerPoolError('replica-mismatch', `worker ${i}'s replica differs: ${diff}`, {
            worker: i,
          });
        }
      });
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    for (const w of workers) {
      // The start-up handlers go; the 'exit' promise stays (close() waits on it).
      w.removeAllListeners('message');
      w.removeAllListeners('error');
    }
    return new TaskWorkerPool(
      {
        model,
        layout,
        placement,
        workers,
        exits,
        params: new Float32Array(parameters),
        grads: gradients.map((b) => new Float32Array(b)),
        states: states.map((b) => new Float32Array(b)),
      },
      replies,
    );
  }

  /** Each worker's `tf.memory().numTensors` after its last reply (a leak shows as growth across steps). */
  workerTensors(): number[] {
    return [...this.#tensors];
  }

  #onReply(worker: number, m: WorkerReply): void {
    if (m.type === 'ready' || m.id === null) return;
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    this.#pending.delete(m.id);
    if (m.type === 'done') {
      this.#tensors[worker] = m.tensors;
      p.resolve({ loss: m.loss, ms: m.ms });
    } else {
      const name = this.layout.taskNames[p.task]!;
      p.reject(
        new WorkerPoolError('worker-failed', `task ${p.task} ("${name}") on worker ${worker}: ${m.message}`, {
          worker,
          task: name,
          taskIndex: p.task,
        }),
      );
    }
  }

  #fail(e: WorkerPoolError): void {
    this.#failure ??= e;
    for (const [id, p] of this.#pending) {
      if (p.worker === e.worker || e.worker === undefined) {
        this.#pending.delete(id);
        p.reject(e);
      }
    }
  }

  #request(worker: number, task: number, inputs: TensorData[]): Promise<{ loss: number; ms: number }> {
    const id = this.#nextId++;
    const req: TaskRequest = { type: 'task', id, task, version: this.#version, inputs };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { worker, task, resolve, reject });
      this.#workers[worker]!.postMessage(
        req,
        inputs.map((d) => d.data.buffer as ArrayBuffer),
      );
    });
  }

  /**
   * Every task's loss and gradient at the model's current parameters: `inputs[k]` is task k's sub-batch, handed to
   * its `loss`. The result is in task order and owned by the caller (`applyTaskGradients` disposes it). Calls
   * must not overlap (the buffers hold one step): an overlapping call throws `invalid-option`.
   */
  async taskGradients(inputs: readonly (readonly tf.Tensor[])[]): Promise<TaskGradient[]> {
    if (this.#closing !== undefined) throw new WorkerPoolError('closed', 'the pool is closed');
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#busy) {
      throw new WorkerPoolError(
        'invalid-option',
        'taskGradients called again before the previous call finished',
      );
    }
    const K = this.layout.tasks.length;
    const isList = (v: unknown): v is readonly unknown[] => Array.isArray(v);
    if (!isList(inputs) || inputs.length !== K) {
      const got = isList(inputs) ? `${inputs.length}` : typeof inputs;
      throw new WorkerPoolError('invalid-input', `expected inputs for ${K} tasks, got ${got}`);
    }
    const names = this.layout.taskNames;
    inputs.forEach((xs, k) => {
      if (!isList(xs) || xs.length === 0) {
        throw new WorkerPoolError(
          'invalid-input',
          `task ${k} ("${names[k]}"): inputs must be a non-empty array`,
          {
            task: names[k]!,
            taskIndex: k,
          },
        );
      }
    });
    this.#busy = true;
    try {
      // Serialise every input first: a bad one then fails before any worker starts.
      const data = inputs.map((xs, k) =>
        this.placement[k] === 'main' ? [] : xs.map((t, i) => tensorData(t, k, names[k]!, i)),
      );
      this.#version++;
      storeParameters(this.#model, this.layout, this.#params);
      const remote = this.placement.map((p, k) => (p === 'main' ? undefined : this.#request(p, k, data[k]!)));
      const local: Array<TaskGradient | undefined> = [];
      let localError: unknown;
      try {
        this.placement.forEach((p, k) => {
          if (p !== 'main') return;
          const t = this.#model.tasks[k]!;
          const own = t.variables ?? [];
          local[k] = disjointTaskGradient(
            { name: t.name, variables: own, loss: () => t.loss(inputs[k]!) },
            this.#model.shared,
            k,
          );
        });
      } catch (e) {
        localError = e;
      }
      // Wait for every worker even after a failure: a worker still writing would corrupt the next call's buffers.
      const settled = await Promise.allSettled(remote.map((r) => r ?? Promise.resolve(undefined)));
      const bad = settled.find((s) => s.status === 'rejected');
      if (localError !== undefined || bad !== undefined) {
        for (const g of local) if (g !== undefined) disposeMaps(g.shared, g.own);
        throw localError ?? (bad as PromiseRejectedResult).reason;
      }
      return settled.map((s, k) => {
        const fromMain = local[k];
        if (fromMain !== undefined) return fromMain;
        const r = (s as PromiseFulfilledResult<{ loss: number; ms: number }>).value;
        const t = this.#model.tasks[k]!;
        const buf = this.#grads[k]!;
        return {
          name: t.name,
          loss: r.loss,
          shared: gradientMap(this.#model.shared, buf, 0, this.layout.shared),
          own: gradientMap(t.variables ?? [], buf, this.layout.shared.size, this.layout.tasks[k]!),
          ms: r.ms,
        };
      });
    } finally {
      this.#busy = false;
    }
  }

  /**
   * The replica's state (`Replica.state`) after each task of the last {@link taskGradients} call: `[task][variable]`,
   * each a copy in the variable's layout (flat). Every task started from the main thread's state of that call.
   */
  taskStates(): Float32Array[][] {
    return this.#states.map((buf) => this.layout.state.segments.map((s) => segmentView(buf, 0, s).slice()));
  }

  /**
   * Terminates every worker and resolves with their exit codes once all have exited. Idempotent; pending calls
   * are rejected with `closed`.
   */
  close(): Promise<number[]> {
    if (this.#closing === undefined) {
      this.#fail(new WorkerPoolError('closed', 'the pool was closed'));
      this.#closing = Promise.all(this.#workers.map((w) => w.terminate())).then(() =>
        Promise.all(this.#exits),
      );
    }
    return this.#closing;
  }
}
