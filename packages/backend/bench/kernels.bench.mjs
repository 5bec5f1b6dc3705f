// @ts-check
// Times each wasm training kernel against its alternatives on the layer shapes that matter: the DESIGN §12 CNN
// (one source = 16×64×64×3), the trainer's small CNN (8 per source) and typical detector layers. Alternatives
// run interleaved, so load changes on this shared machine hit them alike.
// Run: pnpm --filter @cs-dfd/backend bench:kernels   (or node bench/kernels.bench.mjs after a build)
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, stockWasmKernel } from '../dist/index.js';
import {
  conv2DBackpropFilterComposed,
  conv2DBackpropFilterGemm,
  conv2DWinograd,
  maxPoolGradHeap,
  maxPoolGradKernel,
} from '../dist/kernels/index.js';

const REPS = Number(process.env.REPS ?? 15);
const choice = await initBackend({ backend: 'wasm' });
const backend = tf.backend();
const cpus = os.cpus();
console.log(
  `machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}, node ${process.version}, tfjs ${tf.version_core}, wasm SIMD ${choice.simd ? 'on' : 'off'}, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join('/')}`,
);

/** @param {number[]} shape */
const tensor = (shape) => tf.randomNormal(shape, 0, 1, 'float32', 7);
/** @param {import('@tensorflow/tfjs-core').Tensor} t */
const info = (t) => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });

/**
 * Median ms of each alternative, run in interleaved rounds.
 * @param {Record<string, () => void>} alts
 */
function race(alts) {
  const names = Object.keys(alts);
  /** @type {Record<string, number[]>} */
  const ms = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) alts[n]?.(); // warm-up
  for (let r = 0; r < REPS; r++) {
    for (const n of names) {
      const t0 = performance.now();
      alts[n]?.();
      ms[n]?.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(
    names.map((n) => {
      const s = [...(ms[n] ?? [])].sort((a, b) => a - b);
      return [n, s[Math.floor(s.length / 2)] ?? Number.NaN];
    }),
  );
}

/** Runs a kernel function and frees its output. */
function call(kernelFunc, inputs, attrs) {
  const out = kernelFunc({ inputs, attrs, backend });
  backend.disposeData((Array.isArray(out) ? out[0] : out).dataId);
}

const fmt = (r) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(' | ');

console.log(
  '\nConv2DBackpropFilter: registered (Winograd for 3x3 stride 1 with ci % 4 = 0, else the direct SIMD kernel; GEMM where co % 8 != 0) vs direct SIMD vs im2col+GEMM vs conv of transposed tensors',
);
const simd = conv2DBackpropFilterGemm('wasm');
const direct = conv2DBackpropFilterGemm('wasm', { winograd: false });
const gemm = conv2DBackpropFilterGemm('wasm', { simd: false });
const viaConv = conv2DBackpropFilterComposed('wasm');
const convShapes = [
  // [B, H, W, ci, co, k, stride, pad, label]
  [16, 64, 64, 3, 16, 3, 1, 'same', '§12 conv1'],
  [16, 32, 32, 16, 32, 3, 1, 'same', '§12 conv2'],
  [16, 16, 16, 32, 64, 3, 1, 'same', '§12 conv3'],
  [8, 64, 64, 3, 16, 3, 1, 'same', 'trainer conv1 (8/source)'],
  [8, 32, 32, 16, 32, 3, 1, 'same', 'trainer conv2'],
  [8, 16, 16, 32, 64, 3, 1, 'same', 'trainer conv3'],
  [8, 64, 64, 3, 64, 7, 2, 'same', 'resnet stem 7x7 s2'],
  [8, 16, 16, 64, 64, 3, 1, 'same', 'resnet 3x3'],
  [8, 16, 16, 64, 128, 3, 2, 'same', 'resnet 3x3 s2'],
  [8, 16, 16, 64, 128, 1, 2, 'valid', 'resnet 1x1 s2'],
  [8, 32, 32, 32, 96, 1, 1, 'valid', 'efficientnet 1x1'],
  [8, 64, 64, 3, 32, 3, 2, 'same', 'efficientnet stem s2'],
];
for (const [B, H, W, ci, co, f, s, pad, label] of convShapes) {
  const x = tensor([B, H, W, ci]);
  const y = tf.conv2d(x, tf.zeros([f, f, ci, co]), s, pad);
  const dy = tensor(y.shape);
  const inputs = { x: info(x), dy: info(dy) };
  const attrs = { strides: [s, s], pad, dataFormat: 'NHWC', filterShape: [f, f, ci, co] };
  const r = race({
    registered: () => call(simd, inputs, attrs),
    direct: () => call(direct, inputs, attrs),
    gemm: () => call(gemm, inputs, attrs),
    conv: () => call(viaConv, inputs, attrs),
  });
  console.log(`${String(label).padEnd(26)} ${fmt(r)}   (x ${B}x${H}x${W}x${ci}, ${f}x${f}x${co} s${s})`);
  tf.dispose([x, y, dy]);
}

console.log('\nMaxPoolGrad 2x2 s2: SIMD (registered) vs JS heap loop vs stock wasm (wrong for windows <= 0)');
const jsMaxPoolGrad = maxPoolGradKernel({ simd: false });
const stockMaxPoolGrad = stockWasmKernel('MaxPoolGrad');
// A stock kernel binds its wasm function at backend start-up, which ran after ours replaced it.
stockMaxPoolGrad?.setupFunc?.(backend);
for (const [B, H, C] of [
  [16, 64, 16],
  [16, 32, 32],
  [16, 16, 64],
]) {
  const x = tensor([B, H, H, C]);
  const dy = tensor([B, H / 2, H / 2, C]);
  const inputs = { dy: info(dy), input: info(x), output: info(dy) };
  const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
  const alts = {
    simd: () => call(maxPoolGradHeap, inputs, attrs),
    js: () => call(jsMaxPoolGrad, inputs, attrs),
  };
  if (stockMaxPoolGrad && stockMaxPoolGrad.kernelFunc !== maxPoolGradHeap) {
    alts.stock = () => call(stockMaxPoolGrad.kernelFunc, inputs, attrs);
  }
  console.log(`${`${B}x${H}x${H}x${C}`.padEnd(26)} ${fmt(race(alts))}`);
  tf.dispose([x, dy]);
}

console.log('\nper-channel Multiply / Add (BatchNorm inference, bias): SIMD (registered) vs stock wasm');
for (const shape of [
  [60, 64, 64, 16],
  [16, 32, 32, 32],
  [8, 16, 16, 256],
]) {
  const a = tensor(shape);
  const k = tensor([shape[3]]);
  const inputs = { a: info(a), b: info(k) };
  const alts = {};
  for (const name of ['Multiply', 'Add']) {
    const ours = tf.getKernel(name, 'wasm');
    const stock = stockWasmKernel(name);
    stock?.setupFunc?.(backend);
    alts[`${name} simd`] = () => call(ours.kernelFunc, inputs, {});
    if (stock) alts[`${name} stock`] = () => call(stock.kernelFunc, inputs, {});
  }
  console.log(`${shape.join('x').padEnd(26)} ${fmt(race(alts))}`);
  tf.dispose([a, k]);
}

console.log(
  '\nSum over [0, 1, 2] of NHWC (BatchNorm statistics): SIMD column sums (registered) vs stock wasm',
);
for (const shape of [
  [16, 64, 64, 16],
  [16, 32, 32, 32],
]) {
  const x = tensor(shape);
  const inputs = { x: info(x) };
  const attrs = { axis: [0, 1, 2], keepDims: false };
  const stock = stockWasmKernel('Sum');
  stock?.setupFunc?.(backend);
  const alts = { simd: () => call(tf.getKernel('Sum', 'wasm').kernelFunc, inputs, attrs) };
  if (stock) alts.stock = () => call(stock.kernelFunc, inputs, attrs);
  console.log(`${shape.join('x').padEnd(26)} ${fmt(race(alts))}`);
  tf.dispose([x]);
}

console.log(
  '\nConv2D 3x3 stride 1: Winograd F(2x2,3x3) SIMD (registered where it pays) vs stock wasm (XNNPACK)',
);
{
  const stock = stockWasmKernel('Conv2D');
  stock?.setupFunc?.(backend);
  // Shapes where Winograd does not pay go to the stock kernel inside it (the last rows show that choice).
  const winograd = conv2DWinograd(stock.kernelFunc);
  for (const [B, H, ci, co, label] of [
    [16, 32, 16, 32, '§12 conv2 forward'],
    [16, 16, 32, 64, '§12 conv3 forward'],
    [16, 32, 32, 16, '§12 conv2 input gradient'],
    [16, 16, 64, 32, '§12 conv3 input gradient'],
    [8, 16, 64, 64, 'resnet 3x3 16x16'],
    [8, 8, 128, 128, 'resnet 3x3 8x8'],
    [60, 32, 16, 32, 'evaluation batch 60'],
  ]) {
    const x = tensor([B, H, H, ci]);
    const f = tensor([3, 3, ci, co]);
    const inputs = { x: info(x), filter: info(f) };
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    const r = race({
      winograd: () => call(winograd, inputs, attrs),
      stock: () => call(stock.kernelFunc, inputs, attrs),
    });
    console.log(`${String(label).padEnd(26)} ${fmt(r)}   (x ${B}x${H}x${H}x${ci} -> ${co})`);
    tf.dispose([x, f]);
  }
}
