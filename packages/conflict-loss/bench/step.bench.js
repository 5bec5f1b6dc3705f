// Step time of UVS with and without CGR on a small CNN detector (backbone -> projection -> classifier), K = 2
// sources of 16 images each. Run: pnpm build && pnpm --filter @cs-dfd/conflict-loss bench
// SIZE=64 (image side), ROUNDS=9. Backend: @cs-dfd/backend's choice (CS_DFD_BACKEND=cpu|wasm to force one); prints machine and backend.
import os from 'node:os';
import { initBackend } from '@cs-dfd/backend';
import { bceWithLogits } from '@cs-dfd/backend/ops';
import { disjointStep, featureStep } from '@cs-dfd/multitask';
import { uvs } from '@cs-dfd/uvs';
import * as tf from '@tensorflow/tfjs-core';
import { cgrStep, standardHead, standardLogits } from '../dist/index.js';

const choice = await initBackend();
const [B, C, D, P] = [32, 3, 32, 16];
const [S, ROUNDS] = [Number(process.env.SIZE ?? 64), Number(process.env.ROUNDS ?? 9)];
const init = (shape, seed, fanIn) =>
  tf.variable(tf.randomNormal(shape, 0, 1 / Math.sqrt(fanIn), 'float32', seed));
const K1 = init([3, 3, C, 16], 1, 27);
const K2 = init([3, 3, 16, D], 2, 144);
const backboneVars = [K1, K2];
const backbone = (x) =>
  tf.tidy(() => tf.mean(tf.relu(tf.conv2d(tf.relu(tf.conv2d(x, K1, 2, 'same')), K2, 2, 'same')), [1, 2]));
const head = standardHead(
  {
    Wp: init([P, D], 3, D),
    bp: tf.variable(tf.zeros([P])),
    v: init([P], 4, P),
    b: tf.variable(tf.scalar(0)),
  },
  'softplus',
);
const headVars = [head.vars.Wp, head.vars.bp, head.vars.v, head.vars.b];
const x = tf.randomNormal([B, S, S, C], 0, 1, 'float32', 5);
const labels = Array.from({ length: B }, (_, i) => i % 2);
const rows = [Array.from({ length: B / 2 }, (_, i) => i), Array.from({ length: B / 2 }, (_, i) => i + B / 2)];
const xk = rows.map((r) => tf.gather(x, tf.tensor1d(r, 'int32')));
const yk = rows.map((r) => tf.tensor1d(r.map((n) => labels[n])));
const sources = rows.map((r, k) => ({ name: `source${k}`, rows: r }));
const optimizer = tf.train.sgd(1e-4);
const aggregator = uvs({ c: 0.5 });
const bce = (f, k) => bceWithLogits(standardLogits(head, f), yk[k]);

const configs = {
  'UVS, disjointStep (no CGR)': () =>
    disjointStep({
      shared: [...backboneVars, ...headVars],
      tasks: [0, 1].map((k) => ({ name: `s${k}`, loss: () => bce(backbone(xk[k]), k) })),
      aggregator,
      optimizer,
    }),
  'UVS, featureStep (no CGR)': () =>
    featureStep({
      backbone: { variables: backboneVars, apply: backbone },
      input: x,
      headShared: headVars,
      tasks: [0, 1].map((k) => ({ name: `s${k}`, rows: rows[k], loss: (f) => bce(f, k) })),
      aggregator,
      optimizer,
    }),
  'UVS + CGR exact mode, fused split': () =>
    cgrStep({
      backbone: { variables: backboneVars, apply: backbone },
      input: x,
      head,
      labels,
      sources,
      aggregator,
      optimizer,
    }),
  'UVS + CGR diagonal mode, fused split': () =>
    cgrStep({
      backbone: { variables: backboneVars, apply: backbone },
      input: x,
      head,
      labels,
      sources,
      aggregator,
      optimizer,
      cgr: { mode: 'diagonal' },
    }),
  'UVS + CGR generic mode, fused split': () =>
    cgrStep({
      backbone: { variables: backboneVars, apply: backbone },
      input: x,
      head,
      labels,
      sources,
      aggregator,
      optimizer,
      cgr: { mode: 'generic' },
    }),
  'UVS + CGR exact mode, exact split': () =>
    cgrStep({
      backbone: { variables: backboneVars, apply: backbone },
      input: x,
      head,
      labels,
      sources,
      aggregator,
      optimizer,
      cgr: { split: 'exact' },
    }),
};

const times = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
for (const f of Object.values(configs)) f(); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, f] of Object.entries(configs)) {
    const t0 = performance.now();
    const res = f();
    if (res.skipped) throw new Error(`${name}: ${res.reason}`);
    times[name].push(performance.now() - t0);
  }
}
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const base = median(times['UVS, disjointStep (no CGR)']);
const feat = median(times['UVS, featureStep (no CGR)']);
console.log(`${os.cpus()[0]?.model} x${os.cpus().length}, Node ${process.version}, tfjs ${tf.version_core}`);
console.log(`backend: ${choice.name} (${choice.reason})`);
console.log(
  `small CNN ${B}x${S}x${S}x${C} (2 sources x ${B / 2}), D=${D}, P=${P}; median of ${ROUNDS} interleaved rounds`,
);
console.log('| step | ms | vs UVS disjointStep | vs UVS featureStep |');
console.log('| --- | --- | --- | --- |');
for (const [name, t] of Object.entries(times)) {
  const m = median(t);
  console.log(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}x | ${(m / feat).toFixed(2)}x |`);
}
console.log(`tensors alive at the end: ${tf.memory().numTensors}`);
