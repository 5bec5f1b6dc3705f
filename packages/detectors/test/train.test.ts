import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackboneSpec, Detector } from '../src/index.js';
import { fixedBatch, trainStep, useBackend } from './helpers.js';

// On wasm with @cs-dfd/backend's training kernels (conv / depthwise backprop, fixed MaxPoolGrad): the backend the
// project trains on when tfjs-node is absent.
beforeAll(() => useBackend('wasm'));
afterAll(() => tf.setBackend('cpu'));

// Tiny widths keep each step in tens of milliseconds; the layouts are the full ones.
const FAMILIES: Array<{ backbone: BackboneSpec; inputSize: number }> = [
  { backbone: { kind: 'small-cnn', channels: [8, 16] }, inputSize: 16 },
  { backbone: { kind: 'resnet18', width: 1 / 8 }, inputSize: 32 },
  { backbone: { kind: 'efficientnet', variant: 'b0', width: 0.25, depth: 0.25 }, inputSize: 32 },
  { backbone: { kind: 'xception', width: 1 / 16, middleBlocks: 1 }, inputSize: 32 },
];

describe('training on wasm', () => {
  it.each(FAMILIES)('$backbone.kind overfits a fixed batch of 8 in 20 steps', (f) => {
    const det = new Detector({ ...f, projectionDim: 16, seed: 1 });
    const { x, y } = fixedBatch(8, f.inputSize);
    const opt = tf.train.adam(1e-2);
    const losses = Array.from({ length: 20 }, () => trainStep(det, opt, x, y));
    // Random labels on random images: only memorisation lowers the loss. Start near ln 2, end far below.
    expect(losses[0]).toBeGreaterThan(0.3);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(Math.min(...losses.slice(-4))).toBeLessThan(0.25 * losses[0]!);
    det.dispose();
    opt.dispose();
    tf.dispose([x, y]);
  });

  it('small CNN: tf.memory().numTensors is the same before and after 100 steps', () => {
    const det = new Detector({
      backbone: { kind: 'small-cnn', channels: [8, 16] },
      inputSize: 16,
      projectionDim: 8,
    });
    const { x, y } = fixedBatch(8, 16);
    const opt = tf.train.adam(1e-3);
    trainStep(det, opt, x, y); // the optimizer creates its slot variables on the first step
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 100; i++) trainStep(det, opt, x, y);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
    det.dispose();
    opt.dispose();
    tf.dispose([x, y]);
  });

  it.each(FAMILIES)('$backbone.kind: every trainable variable gets a non-zero gradient', (f) => {
    const det = new Detector({ ...f, projectionDim: 8 });
    const { x, y } = fixedBatch(4, f.inputSize, 5);
    const vars = det.trainableVariables();
    const norms = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => det.loss(x, y), vars);
      return vars.map((v) => tf.norm(grads[v.name]!).dataSync()[0]!);
    });
    const dead = vars.filter((_, i) => !(norms[i]! > 0)).map((v) => v.name);
    expect(dead).toEqual([]);
    det.dispose();
    tf.dispose([x, y]);
  });

  it('EfficientNet (smooth: swish, sigmoid, no max-pool) gradient matches a central difference', () => {
    // ReLU and max-pool kinks make finite differences of the other backbones unreliable on noise images; their
    // gradients are cross-checked against the cpu backend below instead.
    // 64×64 and 4 images: at 32×32 the last stages are 1×1, and BatchNorm over 2-4 values is so ill-conditioned
    // (gradients ~1/σ_batch) that float32 differences mean nothing.
    const det = new Detector({ ...FAMILIES[2]!, inputSize: 64, projectionDim: 8, seed: 3 });
    const { x, y } = fixedBatch(4, 64, 7);
    const vars = det.trainableVariables();
    // Training-mode loss without moving-statistics updates: a pure function of the weights.
    const L = () => det.loss(x, y, true, { updateStats: false });
    const dirs = vars.map((v, i) => tf.randomNormal(v.shape, 0, 1, 'float32', 100 + i));
    const analytic = tf.tidy(() => {
      const { grads } = tf.variableGrads(L, vars);
      return vars.reduce((a, v, i) => a + tf.sum(tf.mul(grads[v.name]!, dirs[i]!)).dataSync()[0]!, 0);
    });
    const orig = vars.map((v) => tf.clone(v));
    const at = (h: number) => {
      vars.forEach((v, i) => v.assign(tf.tidy(() => tf.add(orig[i]!, tf.mul(dirs[i]!, h)))));
      return tf.tidy(() => L().dataSync()[0]!);
    };
    const h = 1e-3;
    const numeric = (at(h) - at(-h)) / (2 * h);
    vars.forEach((v, i) => v.assign(orig[i]!));
    expect(Math.abs(analytic)).toBeGreaterThan(0.01);
    expect(Math.abs(numeric - analytic)).toBeLessThan(0.02 * Math.abs(analytic));
    tf.dispose([...dirs, ...orig, x, y]);
    det.dispose();
  });

  // (EfficientNet and Xception at 64×64 also agree to 1e-3, but the cpu side takes seconds: not in the suite.)
  it.each([FAMILIES[0]!, FAMILIES[1]!])(
    '$backbone.kind: wasm gradients equal the cpu reference backend',
    async (f) => {
      const grads = async (backend: 'cpu' | 'wasm') => {
        await useBackend(backend);
        const det = new Detector({ ...f, projectionDim: 8, seed: 4 });
        const { x, y } = fixedBatch(4, f.inputSize, 11);
        const vars = det.trainableVariables();
        const out = tf.tidy(() => {
          const { grads: g } = tf.variableGrads(() => det.loss(x, y), vars);
          return vars.map((v) => Array.from(g[v.name]!.dataSync()));
        });
        det.dispose();
        tf.dispose([x, y]);
        return out;
      };
      const cpu = await grads('cpu');
      const wasm = await grads('wasm');
      cpu.forEach((g, i) => {
        const scale = Math.max(...g.map(Math.abs), 1e-6);
        const err = Math.max(...g.map((c, k) => Math.abs(c - wasm[i]![k]!)));
        // Batch 4, not 2: over 2 values per channel (ResNet's 1×1 deep stages) BatchNorm's input gradient is
        // O(ε), pure float32 rounding, and wasm and cpu differed by 5e-4 to 2e-3 of the largest gradient in every
        // layer, with the composed (autodiff) BatchNorm and the fused one alike.
        expect(err / scale).toBeLessThan(1e-3);
      });
    },
  );
});
