import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeDetector, roundFilters, roundRepeats } from '../src/index.js';
import { useBackend } from './helpers.js';

beforeAll(() => useBackend('cpu'));

// Published counts, backbone without the classifier, every architecture at full size:
// - ResNet-18: torchvision's resnet18 has 11,689,512 parameters (sum of p.numel(), BatchNorm running stats are
//   buffers, not parameters); its fc layer is 512·1000 + 1000 = 513,000, so the backbone holds 11,176,512.
// - EfficientNet-B0..B4 and Xception: Keras Applications' model.summary() with include_top=False (Total /
//   Trainable; Total counts BatchNorm moving statistics). Keras's EfficientNets also carry a Normalization layer
//   with 7 non-trainable numbers (mean 3, variance 3, count 1) that this package leaves to the data pipeline, so
//   our total is Keras's minus 7.
// Tolerance: exact (the layouts are reproduced layer by layer).
const PUBLISHED = [
  { backbone: { kind: 'resnet18' }, trainable: 11_176_512, total: undefined, featureDim: 512 },
  { backbone: { kind: 'xception' }, trainable: 20_806_952, total: 20_861_480, featureDim: 2048 },
  {
    backbone: { kind: 'efficientnet', variant: 'b0' },
    trainable: 4_007_548,
    total: 4_049_571 - 7,
    featureDim: 1280,
  },
  {
    backbone: { kind: 'efficientnet', variant: 'b1' },
    trainable: undefined,
    total: 6_575_239 - 7,
    featureDim: 1280,
  },
  {
    backbone: { kind: 'efficientnet', variant: 'b2' },
    trainable: undefined,
    total: 7_768_569 - 7,
    featureDim: 1408,
  },
  {
    backbone: { kind: 'efficientnet', variant: 'b3' },
    trainable: undefined,
    total: 10_783_535 - 7,
    featureDim: 1536,
  },
  {
    backbone: { kind: 'efficientnet', variant: 'b4' },
    trainable: undefined,
    total: 17_673_823 - 7,
    featureDim: 1792,
  },
] as const;

describe('parameter counts', () => {
  it.each(PUBLISHED)('$backbone.kind $backbone.variant matches the published count', (p) => {
    const d = describeDetector({ backbone: p.backbone });
    const bb = d.parameters.backbone;
    if (p.trainable !== undefined) expect(bb.trainable).toBe(p.trainable);
    if (p.total !== undefined) expect(bb.trainable + bb.state).toBe(p.total);
    expect(d.featureDim).toBe(p.featureDim);
  });

  it('small CNN: hand count of the default architecture', () => {
    // 3×3 convs 3->32->64->128 without bias; BatchNorm γ, β (trainable) and moving mean/variance (state) per
    // channel; head W_p [128, 128], b_p [128], v [128], b [].
    const conv = 9 * 3 * 32 + 9 * 32 * 64 + 9 * 64 * 128;
    const bn = 32 + 64 + 128;
    const d = describeDetector();
    expect(d.parameters.backbone).toEqual({ trainable: conv + 2 * bn, state: 2 * bn });
    expect(d.parameters.head.trainable).toBe(128 * 128 + 128 + 128 + 1);
    expect(d.parameters.trainable).toBe(110_113);
    expect(d.config.inputSize).toBe(64);
  });

  it('the head has P·D + 2P + 1 parameters for any D and P', () => {
    for (const [P, width] of [
      [7, 0.25],
      [64, 1],
    ] as const) {
      const d = describeDetector({ backbone: { kind: 'resnet18', width }, projectionDim: P });
      expect(d.parameters.head.trainable).toBe(P * d.featureDim + 2 * P + 1);
    }
  });

  it('describing allocates no tensor', () => {
    const before = tf.memory().numTensors;
    describeDetector({ backbone: 'xception' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('EfficientNet compound scaling', () => {
  it('round_filters gives Keras channel counts (stem / top per variant)', () => {
    // Keras Applications: stem 32, 32, 32, 40, 48; top 1280, 1280, 1408, 1536, 1792 for B0..B4.
    const widths = [1.0, 1.0, 1.1, 1.2, 1.4];
    expect(widths.map((w) => roundFilters(32, w))).toEqual([32, 32, 32, 40, 48]);
    expect(widths.map((w) => roundFilters(1280, w))).toEqual([1280, 1280, 1408, 1536, 1792]);
    // Never below the divisor, and never 10% below the scaled width.
    expect(roundFilters(16, 0.1)).toBe(8);
    expect(roundFilters(40, 1.2)).toBe(48);
  });

  it('round_repeats is ceil(depth · repeats)', () => {
    expect([1, 2, 3, 4].map((r) => roundRepeats(r, 1.8))).toEqual([2, 4, 6, 8]);
    expect([1, 2, 3, 4].map((r) => roundRepeats(r, 1.1))).toEqual([2, 3, 4, 5]);
    expect(roundRepeats(3, 1.0)).toBe(3);
  });

  it('B4 has ceil(1.8·r) blocks per stage (32 MBConv blocks)', () => {
    const names = describeDetector({ backbone: { kind: 'efficientnet', variant: 'b4' } }).weights.map(
      (w) => w.name,
    );
    const blocks = new Set(
      names.map((n) => /backbone\/(block\d[a-z])_/.exec(n)?.[1]).filter((b) => b != null),
    );
    expect(blocks.size).toBe(2 + 4 + 4 + 6 + 6 + 8 + 2);
    expect(blocks.has('block6h')).toBe(true);
  });
});
