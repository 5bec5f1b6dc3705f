// One training step (forward + backward + Adam update) of the default small CNN on a 32×64×64×3 batch, per
// available backend. Run: pnpm --filter @cs-dfd/detectors build && node bench/train-step.bench.js [steps] [--cpu]
// The pure-JS cpu backend takes minutes per step at this size, so it runs only with --cpu.
import os from 'node:os';
import { initBackend } from '@cs-dfd/backend';
import * as tf from '@tensorflow/tfjs-core';
import { Detector } from '../dist/index.js';

const steps = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 10);
const withCpu = process.argv.includes('--cpu');
console.log(
  `machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, node ${process.version}, tfjs ${tf.version_core}`,
);

async function bench(backend, n) {
  const choice = await initBackend({ backend });
  const cpuBackend = tf.findBackend('cpu');
  if (cpuBackend) cpuBackend.firstUse = false; // no tfjs-node banner
  const det = new Detector();
  const x = tf.randomUniform([32, 64, 64, 3], 0, 1, 'float32', 1);
  const y = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 2));
  const opt = tf.train.adam(1e-3);
  const vars = det.trainableVariables();
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => det.loss(x, y), vars);
      opt.applyGradients(grads);
      return value.dataSync()[0];
    });
  step(); // warm-up: kernel setup, optimizer slots
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${choice.name} (${choice.reason}): median ${median.toFixed(0)} ms/step over ${n} steps (min ${times[0].toFixed(0)})`,
  );
  det.dispose();
  opt.dispose();
  tf.dispose([x, y]);
  return median;
}

const wasm = await bench('wasm', steps);
if (withCpu) {
  const cpu = await bench('cpu', Math.min(steps, 2));
  console.log(`cpu / wasm = ${(cpu / wasm).toFixed(1)}×`);
}
