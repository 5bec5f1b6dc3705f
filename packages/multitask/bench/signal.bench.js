// How much does one main -> worker -> main hand-off cost: postMessage (what TaskWorkerPool uses) or
// Atomics.wait/notify on a SharedArrayBuffer? Run: node packages/multitask/bench/signal.bench.js
import os from 'node:os';
import { Worker } from 'node:worker_threads';

const N = 2000;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function viaMessages() {
  const w = new Worker(
    "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));",
    { eval: true },
  );
  const ms = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      w.once('message', resolve);
      w.postMessage({ id: i });
    });
    ms.push(performance.now() - t0);
  }
  await w.terminate();
  return median(ms.slice(100));
}

async function viaAtomics() {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(
    `const { workerData } = require('node:worker_threads');
     const f = new Int32Array(workerData);
     for (;;) { Atomics.wait(f, 0, 0); if (f[0] === 2) break; Atomics.store(f, 0, 0); Atomics.notify(f, 0); }`,
    { eval: true, workerData: flag.buffer },
  );
  const ms = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    while (Atomics.load(flag, 0) !== 0) Atomics.wait(flag, 0, 1, 1000);
    ms.push(performance.now() - t0);
  }
  Atomics.store(flag, 0, 2);
  Atomics.notify(flag, 0);
  await new Promise((resolve) => w.once('exit', resolve));
  return median(ms.slice(100));
}

const c = os.cpus();
console.log(
  `machine: ${c[0]?.model} x${c.length}, node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join('/')} (shared)`,
);
const msg = await viaMessages();
const atom = await viaAtomics();
console.log(
  `round trip, median of ${N - 100}: postMessage ${(msg * 1000).toFixed(0)} µs, Atomics.wait/notify ${(atom * 1000).toFixed(0)} µs`,
);
