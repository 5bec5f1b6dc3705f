/**
 * Parity with PyTorch: torchvision's ResNet-18 and EfficientNet-B0/B4, and independent PyTorch re-implementations of
 * timm's legacy Xception and efficientnet_pytorch's EfficientNet-B4 (test/fixtures/torch_reference.py), with random
 * weights whose BatchNorm statistics are calibrated, so every layer (padding, BN epsilon, SE, SiLU, layouts)
 * reaches the output. Our detector loads the state dict and must give the same pooled features and (through the
 * kept classifier) logits in eval mode.
 *
 * Tolerance: max |ours − torch| / max |torch| ≤ 1e-4 over features and over logits (float32; the residual is
 * summation order, measured around 1e-6). A one-off padding or an epsilon of 1e-3 instead of 1e-5 gives errors
 * of 1e-2 and more (tried by hand, see the README).
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDetector,
  type DetectorOptions,
  loadTorchWeights,
  SafetensorsFile,
  type TorchFormat,
  torchDetectorOptions,
} from '../src/index.js';
import { useBackend } from './helpers.js';
import { nhwcInput, relativeError, torchFixtures } from './torch-fixtures.js';

const TOL = 1e-4;
let dir = '';

beforeAll(async () => {
  await useBackend('wasm');
  dir = torchFixtures();
}, 900_000);

const CASES: Array<{
  name: string;
  format: TorchFormat;
  backbone: NonNullable<DetectorOptions['backbone']>;
  kind: 'resnet18' | 'efficientnet' | 'xception';
}> = [
  { name: 'resnet18', format: 'torchvision', kind: 'resnet18', backbone: { kind: 'resnet18' } },
  {
    name: 'efficientnet_b0',
    format: 'torchvision',
    kind: 'efficientnet',
    backbone: { kind: 'efficientnet', variant: 'b0' },
  },
  {
    name: 'efficientnet_b4',
    format: 'torchvision',
    kind: 'efficientnet',
    backbone: { kind: 'efficientnet', variant: 'b4' },
  },
  {
    name: 'efficientnet_pytorch_b4',
    format: 'efficientnet-pytorch',
    kind: 'efficientnet',
    backbone: { kind: 'efficientnet', variant: 'b4' },
  },
  { name: 'xception', format: 'timm-xception', kind: 'xception', backbone: { kind: 'xception' } },
];

describe('parity with PyTorch (eval mode, 64×64, random calibrated weights)', () => {
  const opened: tf.Tensor[] = [];
  afterAll(() => tf.dispose(opened));

  for (const c of CASES) {
    it(`${c.name} (${c.format}): features and logits within ${TOL} relative`, async () => {
      const o = torchDetectorOptions(c.format, c.kind);
      const det = createDetector({
        ...o,
        backbone: { ...(o.backbone as object), ...(c.backbone as object) } as DetectorOptions['backbone'],
        inputSize: 64,
      });
      try {
        const report = await loadTorchWeights(det, path.join(dir, `${c.name}.weights.safetensors`), {
          format: c.format,
          keepHead: true,
        });
        expect(report.unused).toEqual([]);
        expect(report.missing.every((n) => n.startsWith('head/'))).toBe(true);
        const io = await SafetensorsFile.read(path.join(dir, `${c.name}.io.safetensors`));
        const x = nhwcInput(io);
        const f = det.features(x);
        const cls = report.classifier;
        if (cls === undefined) throw new Error('keepHead returned no classifier');
        const logits = cls.logits(f);
        const ef = relativeError((await f.data()) as Float32Array, io.float32('features').data);
        const el = relativeError((await logits.data()) as Float32Array, io.float32('logits').data);
        expect(logits.shape).toEqual(io.float32('logits').shape);
        tf.dispose([x, f, logits]);
        cls.dispose();
        if (process.env.PARITY_LOG)
          console.log(`${c.name}: features ${ef.toExponential(2)}, logits ${el.toExponential(2)}`);
        expect(ef).toBeLessThanOrEqual(TOL);
        expect(el).toBeLessThanOrEqual(TOL);
      } finally {
        det.dispose();
      }
    }, 120_000);
  }
});
