/**
 * Export to PyTorch: a detector written by saveTorchWeights loads strictly into the PyTorch reference (with the
 * detector head as Linear -> φ -> Linear) and gives our features and logits (≤ 1e-4 relative, float32); it also
 * loads back into a fresh detector bit for bit. Plus the mapping's errors: wrong shape, missing and unused keys,
 * and a detector built with the wrong architecture options.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDetector,
  type Detector,
  type DetectorOptions,
  encodeSafetensors,
  loadTorchWeights,
  SafetensorsFile,
  saveTorchWeights,
  type TorchFormat,
  torchDetectorOptions,
  torchStateDict,
  writeSafetensors,
} from '../src/index.js';
import { fixedBatch, useBackend } from './helpers.js';
import { relativeError, torchFixtures, torchRun } from './torch-fixtures.js';

const TOL = 1e-4;
let tmp = '';
let fixtures = '';

beforeAll(async () => {
  await useBackend('wasm');
  fixtures = torchFixtures();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cs-dfd-torch-export-'));
}, 900_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function detectorFor(
  format: TorchFormat,
  backbone: DetectorOptions['backbone'],
  extra: DetectorOptions = {},
): Detector {
  const kind = (typeof backbone === 'string' ? backbone : backbone?.kind) as
    | 'resnet18'
    | 'efficientnet'
    | 'xception';
  const o = torchDetectorOptions(format, kind);
  return createDetector({
    ...o,
    backbone: {
      ...(o.backbone as object),
      ...(typeof backbone === 'object' ? backbone : {}),
    } as DetectorOptions['backbone'],
    inputSize: 64,
    projectionDim: 16,
    ...extra,
  });
}

/** A few SGD steps in training mode, so the head, the weights and the BatchNorm statistics all move. */
function train(det: Detector, steps: number): void {
  const { x, y } = fixedBatch(4, 64, 3);
  const opt = tf.train.sgd(0.05);
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => det.loss(x, y), det.trainableVariables());
      opt.applyGradients(grads);
    });
  }
  tf.dispose([x, y]);
  opt.dispose();
}

describe('export to PyTorch', () => {
  it('PyTorch loads what we save (strict) and computes our features and logits', async () => {
    const cases = [
      {
        name: 'efficientnet_b0',
        format: 'torchvision' as const,
        backbone: { kind: 'efficientnet' as const },
        activation: 'softplus' as const,
      },
      {
        name: 'resnet18',
        format: 'torchvision' as const,
        backbone: { kind: 'resnet18' as const },
        activation: 'tanh' as const,
      },
      {
        name: 'xception',
        format: 'timm-xception' as const,
        backbone: { kind: 'xception' as const },
        activation: 'gelu-tanh' as const,
      },
      {
        name: 'efficientnet_pytorch_b4',
        format: 'efficientnet-pytorch' as const,
        backbone: { kind: 'efficientnet' as const, variant: 'b4' as const },
        activation: 'softplus' as const,
      },
    ];
    const { x } = fixedBatch(2, 64, 9);
    const input = path.join(tmp, 'input.safetensors');
    const nchw = tf.transpose(x, [0, 3, 1, 2]);
    await writeSafetensors(
      input,
      new Map([['input', { shape: nchw.shape, data: (await nchw.data()) as Float32Array }]]),
    );
    const ours: Array<{ f: Float32Array; s: Float32Array }> = [];
    for (const c of cases) {
      const det = detectorFor(c.format, c.backbone, { activation: c.activation });
      await loadTorchWeights(det, path.join(fixtures, `${c.name}.weights.safetensors`), { format: c.format });
      if (c.name === 'efficientnet_b0') train(det, 2);
      await saveTorchWeights(det, path.join(tmp, `${c.name}.safetensors`), c.format);
      ours.push({
        f: (await det.features(x).data()) as Float32Array,
        s: (await det.logits(x).data()) as Float32Array,
      });
      det.dispose();
    }
    torchRun(
      cases.map((c) => ({
        name: c.name,
        weights: path.join(tmp, `${c.name}.safetensors`),
        input,
        out: path.join(tmp, `${c.name}.out.safetensors`),
        activation: c.activation,
      })),
    );
    for (const [i, c] of cases.entries()) {
      const out = await SafetensorsFile.read(path.join(tmp, `${c.name}.out.safetensors`));
      const o = ours[i] as { f: Float32Array; s: Float32Array };
      expect(out.float32('logits').shape).toEqual([2, 1]);
      expect(relativeError(o.f, out.float32('features').data), `${c.name} features`).toBeLessThanOrEqual(TOL);
      expect(relativeError(o.s, out.float32('logits').data), `${c.name} logits`).toBeLessThanOrEqual(TOL);
    }
    tf.dispose([x, nchw]);
  }, 600_000);

  it('loads back into a fresh detector bit for bit, head included', async () => {
    const a = detectorFor('timm-xception', { kind: 'xception', width: 0.125, middleBlocks: 2 }, { seed: 1 });
    const b = detectorFor('timm-xception', { kind: 'xception', width: 0.125, middleBlocks: 2 }, { seed: 2 });
    const file = path.join(tmp, 'small.safetensors');
    await saveTorchWeights(a, file);
    const r = await loadTorchWeights(b, file);
    expect(r.missing).toEqual([]);
    expect(r.unused).toEqual([]);
    const wb = b.namedWeights();
    for (const [n, v] of a.namedWeights()) {
      expect(Buffer.from((await (wb.get(n) as tf.Variable).data()).buffer), n).toEqual(
        Buffer.from((await v.data()).buffer),
      );
    }
    a.dispose();
    b.dispose();
  });
});

describe('mapping errors', () => {
  const spec = { kind: 'resnet18' as const, width: 0.125 };
  async function dictFile(
    name: string,
    edit: (m: Map<string, { shape: number[]; data: Float32Array }>) => void,
  ): Promise<string> {
    const det = detectorFor('torchvision', spec);
    const m = await torchStateDict(det);
    det.dispose();
    edit(m);
    const file = path.join(tmp, name);
    writeFileSync(file, encodeSafetensors(m));
    return file;
  }

  it('a wrong shape names the key, the detector weight, the expected and the found shape', async () => {
    const file = await dictFile('shape.safetensors', (m) =>
      m.set('layer2.0.conv1.weight', { shape: [16, 8, 3, 1], data: new Float32Array(384) }),
    );
    const det = detectorFor('torchvision', spec);
    await expect(loadTorchWeights(det, file)).rejects.toThrow(
      /'layer2\.0\.conv1\.weight' \(detector weight 'backbone\/layer2\/0\/conv1\/kernel'\) should have shape \[16, 8, 3, 3\] but has \[16, 8, 3, 1\]/,
    );
    det.dispose();
  });

  it('missing keys are listed with the detector weight; unused keys are listed (and allowed on request)', async () => {
    const missing = await dictFile('missing.safetensors', (m) => {
      m.delete('bn1.running_var');
      m.delete('layer4.1.conv2.weight');
    });
    const det = detectorFor('torchvision', spec);
    await expect(loadTorchWeights(det, missing)).rejects.toThrow(
      /lacks 2 'torchvision' key\(s\).*bn1\.running_var \(backbone\/bn1\/moving_variance\), layer4\.1\.conv2\.weight/,
    );
    const extra = await dictFile('extra.safetensors', (m) =>
      m.set('aux.weight', { shape: [1], data: new Float32Array(1) }),
    );
    await expect(loadTorchWeights(det, extra)).rejects.toThrow(
      /holds 1 key\(s\) the 'torchvision' layout does not use: aux\.weight/,
    );
    const r = await loadTorchWeights(det, extra, { allowUnused: true });
    expect(r.unused).toEqual(['aux.weight']);
    det.dispose();
  });

  it('a published classifier is dropped, or kept with any number of outputs', async () => {
    const file = await dictFile('cls.safetensors', (m) => {
      for (const k of [...m.keys()]) if (k.startsWith('fc.')) m.delete(k);
      m.set('fc.weight', { shape: [3, 64], data: new Float32Array(192).fill(0.5) });
      m.set('fc.bias', { shape: [3], data: new Float32Array([1, 2, 3]) });
    });
    const det = detectorFor('torchvision', spec);
    const dropped = await loadTorchWeights(det, file);
    expect(dropped.ignored).toEqual(['fc.weight', 'fc.bias']);
    expect(dropped.classifier).toBeUndefined();
    expect(dropped.missing).toEqual(['head/Wp', 'head/bp', 'head/v', 'head/b']);
    const kept = await loadTorchWeights(det, file, { keepHead: true });
    const cls = kept.classifier;
    if (cls === undefined) throw new Error('no classifier');
    const s = cls.logits(tf.ones([1, 64]));
    expect(Array.from(await s.data())).toEqual([33, 34, 35]);
    tf.dispose(s);
    cls.dispose();
    det.dispose();
  });

  it('refuses a detector whose architecture differs from the format (epsilon, padding)', async () => {
    const file = await dictFile('ok.safetensors', () => {});
    const wrongEps = createDetector({ backbone: spec, inputSize: 64, batchNorm: { epsilon: 1e-3 } });
    await expect(loadTorchWeights(wrongEps, file, { format: 'torchvision' })).rejects.toThrow(
      /batchNorm\.epsilon is 0\.001 but 'torchvision' weights need 0\.00001|batchNorm\.epsilon is 0\.001 but 'torchvision' weights need 1e-5/,
    );
    wrongEps.dispose();
    const samePad = createDetector({
      backbone: { kind: 'efficientnet', width: 0.25, depth: 0.25 },
      inputSize: 64,
      batchNorm: { epsilon: 1e-5 },
    });
    await expect(loadTorchWeights(samePad, file, { format: 'torchvision' })).rejects.toThrow(
      /backbone\.padding is 'same' but 'torchvision' weights need 'symmetric'/,
    );
    samePad.dispose();
  });
});
