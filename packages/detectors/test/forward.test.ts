import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackboneSpec, Detector, roundFilters } from '../src/index.js';
import { fixedBatch, useBackend } from './helpers.js';

beforeAll(() => useBackend('wasm'));
afterAll(() => tf.setBackend('cpu'));

const VARIANTS: Array<{ backbone: BackboneSpec; inputSize: number; D: number }> = [
  { backbone: { kind: 'small-cnn' }, inputSize: 64, D: 128 },
  { backbone: { kind: 'small-cnn', channels: [8, 8, 8, 8, 24] }, inputSize: 40, D: 24 },
  { backbone: { kind: 'resnet18', width: 1 / 16 }, inputSize: 48, D: 32 },
  { backbone: { kind: 'xception', width: 1 / 32, middleBlocks: 2 }, inputSize: 71, D: 64 },
  ...(['b0', 'b1', 'b2', 'b3', 'b4'] as const).map((variant, i) => ({
    backbone: { kind: 'efficientnet' as const, variant, width: 0.1, depth: 0.3 },
    inputSize: 33,
    D: roundFilters(1280, [1, 1, 1.1, 1.2, 1.4][i]! * 0.1),
  })),
];

describe('forward shapes', () => {
  it.each(VARIANTS)(
    '$backbone.kind $backbone.variant at $inputSize px: f [N, D], u/z [N, P], logits and P(fake) [N]',
    (v) => {
      const det = new Detector({ backbone: v.backbone, inputSize: v.inputSize, projectionDim: 5 });
      expect(det.featureDim).toBe(v.D);
      const { x, y } = fixedBatch(3, v.inputSize);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const f = det.features(x, false);
        expect(f.shape).toEqual([3, v.D]);
        const { u, z } = det.head.project(f);
        expect([u.shape, z.shape]).toEqual([
          [3, 5],
          [3, 5],
        ]);
        expect(det.logits(x, true, { updateStats: false }).shape).toEqual([3]);
        const p = Array.from(det.predict(x).dataSync());
        expect(p.every((q) => q > 0 && q < 1)).toBe(true);
      });
      expect(tf.memory().numTensors).toBe(before);
      det.dispose();
      tf.dispose([x, y]);
    },
  );
});

describe('feature map and pooling', () => {
  // Spatial side of the map where it follows from the architecture by hand: the small CNN halves (floor) once per
  // block; ResNet-18 divides by 32 (stem /2, max-pool /2, stages 2-4 /2 each, rounding up with padding 1).
  const SIDE: Record<number, number | undefined> = { 0: 8, 1: 1, 2: 2 };
  it.each(VARIANTS.map((v, i) => ({ ...v, i })))(
    '$backbone.kind $backbone.variant: the host mean over (h, w) of featureMap is features (both modes)',
    (v) => {
      const det = new Detector({ backbone: v.backbone, inputSize: v.inputSize, projectionDim: 5 });
      const { x, y } = fixedBatch(2, v.inputSize, 3);
      const before = tf.memory().numTensors;
      for (const training of [false, true]) {
        const [map, f, pooled] = tf.tidy(() => {
          const a = det.featureMap(x, training, { updateStats: false });
          return [a, det.features(x, training, { updateStats: false }), det.pool(a)] as const;
        });
        const [n, h, w, d] = map.shape;
        expect([n, d, h]).toEqual([2, v.D, w]);
        if (SIDE[v.i] !== undefined) expect(h).toBe(SIDE[v.i]);
        const a = map.dataSync();
        const host = new Float64Array(n * d);
        for (let i = 0; i < n; i++)
          for (let p = 0; p < h * w; p++)
            for (let c = 0; c < d; c++) host[i * d + c]! += a[(i * h * w + p) * d + c]! / (h * w);
        const fd = f.dataSync();
        const pd = pooled.dataSync();
        for (let k = 0; k < n * d; k++) {
          expect(fd[k]).toBeCloseTo(host[k]!, 5);
          expect(pd[k]).toBe(fd[k]);
        }
        tf.dispose([map, f, pooled]);
      }
      expect(tf.memory().numTensors).toBe(before);
      det.dispose();
      tf.dispose([x, y]);
    },
  );

  it('pool rejects a map whose channel count is not featureDim, naming both', () => {
    const det = new Detector({ backbone: { kind: 'small-cnn', channels: [4] }, inputSize: 8 });
    const bad = tf.zeros([1, 2, 2, 5]) as tf.Tensor4D;
    expect(() => det.pool(bad)).toThrow(/\[N, h, w, 4\].*got \[1, 2, 2, 5\]/);
    bad.dispose();
    det.dispose();
  });
});

describe('BatchNorm in training and inference', () => {
  const opts = { backbone: { kind: 'small-cnn' as const, channels: [6] }, inputSize: 8, projectionDim: 4 };

  it('training mode normalises with the batch statistics and folds them into the moving ones (momentum 0.9)', () => {
    const det = new Detector({ ...opts, batchNorm: { momentum: 0.9, epsilon: 1e-3 } });
    const { x } = fixedBatch(5, 8, 3);
    const w = det.namedWeights();
    // Host float64: the conv output's per-channel batch mean and biased variance.
    const conv = tf.tidy(() =>
      Array.from(tf.conv2d(x, w.get('backbone/block1/conv/kernel') as tf.Tensor4D, 1, 'same').dataSync()),
    );
    const C = 6;
    const n = conv.length / C;
    const mean = Array.from(
      { length: C },
      (_, c) => conv.filter((_, i) => i % C === c).reduce((a, b) => a + b, 0) / n,
    );
    const variance = mean.map(
      (m, c) => conv.filter((_, i) => i % C === c).reduce((a, b) => a + (b - m) ** 2, 0) / n,
    );
    tf.tidy(() => det.features(x, true).dispose());
    const mm = Array.from(w.get('backbone/block1/bn/moving_mean')!.dataSync());
    const mv = Array.from(w.get('backbone/block1/bn/moving_variance')!.dataSync());
    mean.forEach((m, c) => expect(mm[c]).toBeCloseTo(0.1 * m, 5));
    variance.forEach((s2, c) => expect(mv[c]).toBeCloseTo(0.9 + 0.1 * s2, 5));
    // updateStats: false and inference mode leave the statistics alone.
    tf.tidy(() => det.features(x, true, { updateStats: false }).dispose());
    tf.tidy(() => det.predict(x).dispose());
    expect(Array.from(w.get('backbone/block1/bn/moving_mean')!.dataSync())).toEqual(mm);
    det.dispose();
    x.dispose();
  });

  it('inference depends on each image alone; training mode couples the batch; momentum 0 makes them agree', () => {
    const det = new Detector({ ...opts, batchNorm: { momentum: 0 } });
    const { x } = fixedBatch(4, 8, 5);
    const first = tf.tidy(() => tf.slice(x, [0, 0, 0, 0], [2, 8, 8, 3]));
    const [inferAll, inferTwo, trainAll, trainTwo] = tf.tidy(() => [
      Array.from(det.logits(x).dataSync()).slice(0, 2),
      Array.from(det.logits(first).dataSync()),
      Array.from(det.logits(x, true, { updateStats: false }).dataSync()).slice(0, 2),
      Array.from(det.logits(first, true, { updateStats: false }).dataSync()),
    ]);
    inferTwo.forEach((s, i) => expect(s).toBeCloseTo(inferAll[i]!, 5));
    expect(Math.abs(trainTwo[0]! - trainAll[0]!)).toBeGreaterThan(1e-4);
    // momentum 0: the moving statistics become this batch's, so inference reproduces training mode on it.
    tf.tidy(() => det.features(x, true).dispose());
    const [t, i] = tf.tidy(() => [
      Array.from(det.logits(x, true, { updateStats: false }).dataSync()),
      Array.from(det.logits(x).dataSync()),
    ]);
    t.forEach((s, k) => expect(i[k]).toBeCloseTo(s, 4));
    det.dispose();
    tf.dispose([x, first]);
  });
});
