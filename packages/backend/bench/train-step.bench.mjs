// @ts-check
// One SGD training step of a 3-layer CNN on a 32×64×64×3 batch, on cpu, stock wasm and wasm with this
// package's kernels. Run: pnpm --filter @cs-dfd/backend bench  (builds dist first).
// Net: [conv3x3(3→16) same + relu + maxpool2] → [conv3x3(16→32) + relu + maxpool2] → [conv3x3(32→64) + relu +
// maxpool2] → flatten (8·8·64 = 4096) → dense(1); loss: mean BCE with logits; SGD lr 0.01.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {
  initBackend,
  registerWasmTrainingKernels,
  restoreStockWasmKernels,
  stockWasmKernel,
} from '../dist/index.js';
import { bceWithLogits } from '../dist/ops/index.js';

const args = new Set(process.argv.slice(2));
const skipCpu = args.has('--no-cpu');
const STEPS = 5;
const B = 32;

function makeNet() {
  const init = (shape, fanIn) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', 1));
  return {
    w1: init([3, 3, 3, 16], 27),
    w2: init([3, 3, 16, 32], 144),
    w3: init([3, 3, 32, 64], 288),
    wd: init([4096, 1], 4096),
    bd: tf.variable(tf.zeros([1])),
  };
}

function step(net, opt, x, y) {
  const cost = opt.minimize(() => {
    let h = tf.maxPool(tf.relu(tf.conv2d(x, net.w1, 1, 'same')), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.conv2d(h, net.w2, 1, 'same')), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.conv2d(h, net.w3, 1, 'same')), 2, 2, 'valid');
    const logits = tf.add(tf.matMul(tf.reshape(h, [B, 4096]), net.wd), net.bd);
    return bceWithLogits(logits, y);
  }, true);
  const v = cost.dataSync()[0];
  cost.dispose();
  return v;
}

async function time(label, steps) {
  const net = makeNet();
  const opt = tf.train.sgd(0.01);
  const x = tf.randomUniform([B, 64, 64, 3], -1, 1, 'float32', 2);
  const y = tf.cast(tf.greater(tf.randomUniform([B, 1], 0, 1, 'float32', 3), 0.5), 'float32');
  try {
    const ms = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      step(net, opt, x, y);
      ms.push(performance.now() - t0);
    }
    const timed = ms.length > 1 ? ms.slice(1) : ms; // the first step warms caches up
    timed.sort((a, b) => a - b);
    const median = timed[Math.floor(timed.length / 2)];
    console.log(`${label.padEnd(28)} ${median.toFixed(0).padStart(8)} ms/step (median of ${timed.length})`);
    return median;
  } catch (e) {
    console.log(`${label.padEnd(28)} fails: ${e instanceof Error ? e.message : e}`);
    return Number.NaN;
  } finally {
    tf.dispose([x, y, ...Object.values(net)]);
    opt.dispose();
  }
}

const cpus = os.cpus();
const choice = await initBackend({ backend: 'wasm' });
console.log(
  `machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}, ${os.platform()} ${os.arch()}, node ${process.version}`,
);
console.log(
  `tfjs-core ${tf.version_core}; wasm: SIMD ${choice.simd ? 'on' : 'off'}, ${choice.threads} thread(s)`,
);
console.log(
  `net: 3×[conv3x3 + relu + maxpool2] (16-32-64 channels) + dense(1), batch ${B}×64×64×3, SGD step`,
);

restoreStockWasmKernels();
await time('wasm, stock tfjs kernels', 1);
// Our kernels except Conv2DBackpropInput, which goes back to wasm's own (naive) loop.
registerWasmTrainingKernels();
const naive = stockWasmKernel('Conv2DBackpropInput');
if (naive != null) {
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel(naive);
  naive.setupFunc?.(tf.findBackend('wasm'));
  await time('wasm, stock BackpropInput', 2);
}
registerWasmTrainingKernels();
const fixed = await time('wasm + @cs-dfd/backend', STEPS + 1);
if (!skipCpu) {
  await initBackend({ backend: 'cpu' });
  const cpu = await time('cpu (pure JS)', 1);
  console.log(`speed-up of fixed wasm over cpu: ${(cpu / fixed).toFixed(0)}×`);
}
