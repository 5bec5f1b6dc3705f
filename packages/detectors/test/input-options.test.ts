import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDetector } from '../src/index.js';
import { fixedBatch, useBackend } from './helpers.js';

beforeAll(() => useBackend('cpu'));

describe('inputNormalization and freezeBatchNorm', () => {
  it("'imagenet' equals feeding (x − mean) / std by hand to the same weights", async () => {
    const norm = createDetector({ inputNormalization: 'imagenet', seed: 3 });
    const plain = createDetector({ seed: 3 });
    expect(norm.config.inputNormalization).toBe('imagenet');
    expect(plain.config.inputNormalization).toBe('none');
    const { x } = fixedBatch(2, 64);
    // Hand-written per-channel constants (torchvision's published values), not the library's.
    const byHand = tf.div(tf.sub(x, tf.tensor1d([0.485, 0.456, 0.406])), tf.tensor1d([0.229, 0.224, 0.225]));
    const a = await norm.logits(x).data();
    const b = await plain.logits(byHand as tf.Tensor4D).data();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 5);
    expect(() => createDetector({ inputNormalization: 'caffe' as 'none' })).toThrow(
      /inputNormalization must be one of none, imagenet, got "caffe"/,
    );
    norm.dispose();
    plain.dispose();
  });

  it('freezeBatchNorm: a training forward uses and keeps the moving statistics', async () => {
    const det = createDetector({ seed: 4 });
    const { x } = fixedBatch(4, 64);
    const before = await Promise.all(det.stateVariables().map((v) => v.data()));
    const live = await det.logits(x, true, { updateStats: false }).data();
    const evalMode = await det.logits(x, false).data();
    det.freezeBatchNorm = true;
    const frozen = await det.logits(x, true).data();
    expect(Array.from(frozen)).toEqual(Array.from(evalMode));
    expect(Array.from(live)).not.toEqual(Array.from(evalMode));
    const after = await Promise.all(det.stateVariables().map((v) => v.data()));
    after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(before[i] as Float32Array)));
    det.dispose();
  });
});
