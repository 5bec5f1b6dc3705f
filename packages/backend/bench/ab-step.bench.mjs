// @ts-check
// Before/after of this package's speed kernels *in one process*, alternating every step, so that the load of this
// shared machine hits both sides alike (separate runs minutes apart differed by more than the effect measured).
// "before" = the previous kernel set: Conv2DBackpropFilter as a conv over transposed tensors and tfjs-backend-wasm's
// own Identity, Cast, Sum, Mean and GatherV2 with tfjs's own Sum/Mean gradients; "after" = what initBackend registers.
// Nets (one source's forward + backward, 16×64×64×3, mean BCE):
//   plain: the DESIGN §12 CNN, 3×[conv3x3 + relu + maxpool2] 16-32-64 + dense(1);
//   bn:    the trainer's small CNN, 3×[conv3x3 + BatchNorm(batch statistics) + relu + maxpool2] 16-32-64 + global
//          average pool + dense(1) (as @cs-dfd/detectors builds it).
// Run: node bench/ab-step.bench.mjs [steps per side, default 30]   (after a build)
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {
  getGradient,
  getKernel,
  registerGradient,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { initBackend, stockWasmKernel } from '../dist/index.js';
import { conv2DBackpropFilterComposed } from '../dist/kernels/index.js';
import { bceWithLogits } from '../dist/ops/index.js';

const STEPS = Number(process.argv[2] ?? 30);
const B = 16;
const choice = await initBackend({ backend: 'wasm' });

// The two kernel/gradient sets.
const SWAPPED = ['Conv2DBackpropFilter', 'Identity', 'Cast', 'Sum', 'Mean', 'GatherV2'];
const after = new Map(SWAPPED.map((k) => [k, getKernel(k, 'wasm')]));
const before = new Map(
  SWAPPED.map((k) => [
    k,
    k === 'Conv2DBackpropFilter'
      ? { kernelName: k, backendName: 'wasm', kernelFunc: conv2DBackpropFilterComposed('wasm') }
      : stockWasmKernel(k),
  ]),
);
const gradsAfter = new Map(['Sum', 'Mean'].map((k) => [k, getGradient(k)]));
// tfjs's own Sum/Mean gradients (what tfjs-layers registers): dy reshaped, times ones(x.shape) (/ size for Mean).
const gradsBefore = new Map(
  ['Sum', 'Mean'].map((k) => [
    k,
    {
      kernelName: k,
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const axes = tf.util.parseAxisParam(attrs.axis, x.shape);
        const shape = x.shape.slice();
        for (const a of axes) shape[a] = 1;
        const size = axes.reduce((n, a) => n * x.shape[a], 1);
        const g = tf.mul(tf.reshape(dy, shape), tf.ones(x.shape));
        return { x: () => (k === 'Mean' ? tf.div(g, size) : g) };
      },
    },
  ]),
);

/** @param {'before' | 'after'} side */
function use(side) {
  const kernels = side === 'before' ? before : after;
  for (const k of SWAPPED) {
    unregisterKernel(k, 'wasm');
    registerKernel(/** @type {any} */ (kernels.get(k)));
  }
  for (const g of (side === 'before' ? gradsBefore : gradsAfter).values())
    registerGradient(/** @type {any} */ (g));
}

const init = (shape, fanIn, seed) =>
  tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed));
const w = [init([3, 3, 3, 16], 27, 1), init([3, 3, 16, 32], 144, 2), init([3, 3, 32, 64], 288, 3)];
const gamma = [16, 32, 64].map((c) => tf.variable(tf.ones([c])));
const beta = [16, 32, 64].map((c) => tf.variable(tf.zeros([c])));
const wd = init([4096, 1], 4096, 4);
const wg = init([64, 1], 64, 5);
const bd = tf.variable(tf.zeros([1]));
const pool = tf.randomUniform([2 * B, 64, 64, 3], -1, 1, 'float32', 6);
const rows = tf.tensor1d(
  Array.from({ length: B }, (_, i) => 2 * i),
  'int32',
);
const y = tf.cast(tf.greater(tf.randomUniform([B, 1], 0, 1, 'float32', 7), 0.5), 'float32');

const nets = {
  plain: () => {
    let h = tf.gather(pool, rows);
    for (const k of w) h = tf.maxPool(tf.relu(tf.conv2d(h, k, 1, 'same')), 2, 2, 'valid');
    return bceWithLogits(tf.add(tf.matMul(tf.reshape(h, [B, 4096]), wd), bd), y);
  },
  bn: () => {
    let h = tf.gather(pool, rows);
    w.forEach((k, i) => {
      const c = tf.conv2d(h, k, 1, 'same');
      const { mean, variance } = tf.moments(c, [0, 1, 2]);
      const scale = tf.mul(gamma[i], tf.rsqrt(tf.add(variance, 1e-3)));
      const bn = tf.add(tf.mul(c, scale), tf.sub(beta[i], tf.mul(mean, scale)));
      h = tf.maxPool(tf.relu(bn), 2, 2, 'valid');
    });
    return bceWithLogits(tf.add(tf.matMul(tf.mean(h, [1, 2]), wg), bd), y);
  },
};

function step(net) {
  const { value, grads } = tf.variableGrads(net);
  const g = Object.values(grads);
  for (const t of g) t.dataSync();
  tf.dispose([value, ...g]);
}

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const cpus = os.cpus();
console.log(
  `machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}, node ${process.version}, tfjs ${tf.version_core}, wasm SIMD ${choice.simd ? 'on' : 'off'}, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join('/')}`,
);
console.log(
  `one source's forward + backward, ${B}×64×64×3, ${STEPS} steps per side, sides alternating every step`,
);
for (const [name, net] of Object.entries(nets)) {
  const ms = { before: [], after: [] };
  for (const side of /** @type {const} */ (['before', 'after'])) {
    use(side);
    step(net); // warm-up: XNNPACK operators, heap growth
  }
  const tensors = tf.memory().numTensors;
  for (let i = 0; i < STEPS; i++) {
    for (const side of /** @type {const} */ (i % 2 === 0 ? ['before', 'after'] : ['after', 'before'])) {
      use(side);
      const t0 = performance.now();
      step(net);
      ms[side].push(performance.now() - t0);
    }
  }
  const mb = median(ms.before);
  const ma = median(ms.after);
  console.log(
    `${name.padEnd(6)} before ${mb.toFixed(1)} ms (min ${Math.min(...ms.before).toFixed(1)}) | after ${ma.toFixed(1)} ms (min ${Math.min(...ms.after).toFixed(1)}) | ratio of medians ${(mb / ma).toFixed(2)}x | tensor growth ${tf.memory().numTensors - tensors}`,
  );
}
use('after');
console.log(
  `load at the end ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join('/')}`,
);
