/**
 * Worker thread entry: builds a replica from the user's module, then answers task requests with the task's
 * gradient written into that task's shared buffer. Started by `TaskWorkerPool`; not meant to be imported.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { disposeMaps } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { disjointTaskGradient } from '../task-gradient.js';
import { type Group, replicaLayout, segmentView } from './layout.js';
import type { TaskRequest, WorkerInit, WorkerReply } from './protocol.js';
import type { Replica, ReplicaModule } from './replica.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (m: WorkerReply) => port.postMessage(m);
const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));

function loadParameters(replica: Replica, params: Float32Array): void {
  const load = (vars: readonly tf.Variable[], g: Group, base: number) =>
    vars.forEach((v, i) => {
      const s = g.segments[i]!;
      // slice(): the cpu backend would otherwise keep a view of the shared buffer as the variable's storage.
      tf.tidy(() =>
        v.assign(tf.tensor(segmentView(params, base, s).slice(), s.shape as number[], 'float32')),
      );
    });
  const { layout } = init;
  load(replica.shared, layout.shared, 0);
  replica.tasks.forEach((t, k) => load(t.variables ?? [], layout.tasks[k]!, layout.taskBase[k]!));
}

/** The main thread's state, loaded before every task (a task changes it; one worker may run several tasks). */
function loadState(replica: Replica, params: Float32Array): void {
  const { layout } = init;
  (replica.state ?? []).forEach((v, i) => {
    const s = layout.state.segments[i]!;
    tf.tidy(() =>
      v.assign(tf.tensor(segmentView(params, layout.stateBase, s).slice(), s.shape as number[], 'float32')),
    );
  });
}

function writeGradient(out: Float32Array, base: number, g: Group, values: readonly tf.Tensor[]): void {
  values.forEach((t, i) => {
    out.set(t.dataSync() as Float32Array, base + g.segments[i]!.offset);
  });
}

async function main(): Promise<void> {
  const mod = (await import(init.module)) as Partial<ReplicaModule>;
  if (typeof mod.createReplica !== 'function') {
    throw new Error(`${init.module} exports no createReplica function`);
  }
  await mod.setup?.(init.options);
  const replica = await mod.createReplica(init.options);
  send({
    type: 'ready',
    layout: replicaLayout(replica),
    backend: tf.getBackend(),
    tensors: tf.memory().numTensors,
  });
  const params = new Float32Array(init.parameters);
  const grads = init.gradients.map((b) => new Float32Array(b));
  const states = init.states.map((b) => new Float32Array(b));
  const stateVars = replica.state ?? [];
  let version = -1;

  port.on('message', (req: TaskRequest) => {
    try {
      if (req.version !== version) {
        loadParameters(replica, params);
        version = req.version;
      }
      const task = replica.tasks[req.task]!;
      if (stateVars.length > 0) loadState(replica, params);
      const inputs = req.inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype));
      try {
        const own = task.variables ?? [];
        const g = disjointTaskGradient(
          { name: task.name, variables: own, loss: () => task.loss(inputs) },
          replica.shared,
          req.task,
        );
        try {
          const out = grads[req.task]!;
          writeGradient(
            out,
            0,
            init.layout.shared,
            replica.shared.map((v) => g.shared[v.name]!),
          );
          writeGradient(
            out,
            init.layout.shared.size,
            init.layout.tasks[req.task]!,
            own.map((v) => g.own[v.name]!),
          );
          writeGradient(states[req.task]!, 0, init.layout.state, stateVars);
        } finally {
          disposeMaps(g.shared, g.own);
        }
        send({ type: 'done', id: req.id, loss: g.loss, ms: g.ms, tensors: tf.memory().numTensors });
      } finally {
        tf.dispose(inputs);
      }
    } catch (e) {
      send({ type: 'failed', id: req.id, message: describe(e) });
    }
  });
}

main().catch((e: unknown) => send({ type: 'failed', id: null, message: describe(e) }));
