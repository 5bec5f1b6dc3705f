// The default small CNN's training step (forward + backward + Adam, batch 16×64×64×3: one source of the trainer)
// on wasm with @cs-dfd/backend's fused BatchNorm kernels and with the composed tfjs-op form, steps alternating
// so that load changes hit both alike. Run: pnpm --filter @cs-dfd/detectors build && node bench/batch-norm.bench.js [steps]
import os from 'node:os';
import { BATCH_NORM_TRAIN, initBackend } from '@cs-dfd/backend';
import * as tf from '@tensorflow/tfjs-core';
import { Detector } from '../dist/index.js';

const steps = Number(process.argv[2] ?? 20);
await initBackend({ backend: 'wasm' });
const fused = tf.getKernel(BATCH_NORM_TRAIN, 'wasm');
if (fused == null) throw new Error(`${BATCH_NORM_TRAIN} is not registered on wasm`);
const useFused = (on) => {
  const registered = tf.getKernel(BATCH_NORM_TRAIN, 'wasm') != null;
  if (on && !registered) tf.registerKernel(fused);
  if (!on && registered) tf.unregisterKernel(BATCH_NORM_TRAIN, 'wasm');
};
const det = new Detector();
const x = tf.randomUniform([16, 64, 64, 3], 0, 1, 'float32', 1);
const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2));
const opt = tf.train.adam(1e-3);
const vars = det.trainableVariables();
const step = () =>
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => det.loss(x, y), vars);
    opt.applyGradients(grads);
    return value.dataSync()[0];
  });
const ms = { fused: [], composed: [] };
for (let i = -2; i < steps; i++) {
  for (const mode of ['fused', 'composed']) {
    useFused(mode === 'fused');
    const t0 = performance.now();
    step();
    if (i >= 0) ms[mode].push(performance.now() - t0);
  }
}
useFused(true);
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
console.log(
  `${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}, tfjs ${tf.version_core}, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join('/')}`,
);
console.log(
  `small CNN step, 16×64×64×3, ${steps} alternating steps each: fused BatchNorm ${median(ms.fused).toFixed(1)} ms, composed ${median(ms.composed).toFixed(1)} ms (${(median(ms.composed) / median(ms.fused)).toFixed(2)}×)`,
);
