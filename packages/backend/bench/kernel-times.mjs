// @ts-check
// Preload that times every kernel a TensorFlow.js program runs through the engine, by kernel name (self time:
// kernels the engine runs from inside another kernel's gradient are subtracted from the outer one), and writes
// them at exit. Composed kernels (this package's) count as one kernel with everything they call directly.
// Use: node --import ./packages/backend/bench/kernel-times.mjs <program> [args]
//   KERNEL_TIMES_OUT=file.json (default kernel-times.json in the working directory)
//   KERNEL_TIMES_SHAPES=1      key by kernel name and input shapes
// The engine is process-wide (tfjs keeps it on globalThis), so the program's own @tensorflow/tfjs-core copy is
// the one timed. Worker threads are not timed (each has its own engine).
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';

const engine = /** @type {any} */ (tf.engine());
const runKernel = engine.runKernel.bind(engine);
const withShapes = process.env.KERNEL_TIMES_SHAPES === '1';
/** @type {Map<string, { ms: number, calls: number }>} */
const stats = new Map();
/** Time spent in kernels started inside the current one (stack of open kernels). */
const inner = [0];
const started = performance.now();

engine.runKernel = (/** @type {string} */ name, /** @type {Record<string, any>} */ inputs, attrs) => {
  const t0 = performance.now();
  inner.push(0);
  try {
    return runKernel(name, inputs, attrs);
  } finally {
    const dt = performance.now() - t0;
    const nested = inner.pop() ?? 0;
    inner[inner.length - 1] = (inner[inner.length - 1] ?? 0) + dt;
    const key = withShapes
      ? `${name} ${JSON.stringify(Object.values(inputs ?? {}).map((t) => t?.shape))}`
      : name;
    const s = stats.get(key) ?? { ms: 0, calls: 0 };
    s.ms += dt - nested;
    s.calls++;
    stats.set(key, s);
  }
};

process.on('exit', () => {
  const kernels = Object.fromEntries([...stats].sort((a, b) => b[1].ms - a[1].ms));
  const total = [...stats.values()].reduce((a, s) => a + s.ms, 0);
  const out = process.env.KERNEL_TIMES_OUT ?? 'kernel-times.json';
  writeFileSync(
    out,
    JSON.stringify({ wall_ms: performance.now() - started, kernel_ms: total, kernels }, null, 1),
  );
});
