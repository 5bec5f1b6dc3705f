// Issue #17's end-to-end check: a randomly initialised torchvision EfficientNet-B0 saved by PyTorch is imported
// (`detector.weights`), fine-tuned for two steps by the trainer on faceworld, exported with torchvision names, and
// PyTorch (load_state_dict strict) computes the same logits as our selected model on the same inputs.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDetector, SafetensorsFile, saveTorchWeights, writeSafetensors } from '@cs-dfd/detectors';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, train } from '../src/index.js';
import { tinyRaw } from './fixture.js';

// The detectors package's PyTorch reference script (Debian's python3-torch and python3-torchvision).
const SCRIPT = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../detectors/test/fixtures/torch_reference.py',
);
function python(args: string[]): void {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { stdio: 'pipe' });
  } catch {
    throw new Error(
      'this test needs /usr/bin/python3 with torch: apt-get install python3-torch python3-torchvision',
    );
  }
  execFileSync('/usr/bin/python3', [SCRIPT, ...args], { stdio: 'pipe' });
}

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-torch-'));
}, 900_000);
afterAll(() => rm(out, { recursive: true, force: true }));

describe('PyTorch weights in the trainer', () => {
  it('imports torchvision EfficientNet-B0, fine-tunes it, and PyTorch reproduces the exported model', async () => {
    const weights = join(out, 'efficientnet_b0.safetensors');
    python(['save', 'efficientnet_b0', weights]);
    const raw = tinyRaw(['train.steps=2', 'train.evalEvery=2', 'train.checkpointEvery=2']);
    raw.detector = {
      backbone: { kind: 'efficientnet', variant: 'b0', padding: 'symmetric' },
      batchNorm: { epsilon: 1e-5 },
      inputSize: 32,
      projectionDim: 8,
      inputNormalization: 'imagenet',
      weights,
    };
    const run = join(out, 'run');
    await train({ config: resolveConfig(raw), out: run });
    const det = await loadDetector(join(run, 'best'));
    const file = join(out, 'finetuned.safetensors');
    await saveTorchWeights(det, file);
    // PyTorch's model sees the normalised input (normalisation is ours, not part of the state dict).
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const normalized = tf.div(
      tf.sub(x, tf.tensor1d([0.485, 0.456, 0.406])),
      tf.tensor1d([0.229, 0.224, 0.225]),
    );
    const nchw = tf.transpose(normalized, [0, 3, 1, 2]);
    const input = join(out, 'input.safetensors');
    await writeSafetensors(
      input,
      new Map([['input', { shape: nchw.shape, data: (await nchw.data()) as Float32Array }]]),
    );
    const ref = join(out, 'ref.safetensors');
    python(['run', 'efficientnet_b0', file, input, ref, det.config.activation]);
    const torchLogits = (await SafetensorsFile.read(ref)).float32('logits').data;
    const ours = (await det.logits(x).data()) as Float32Array;
    let diff = 0;
    let scale = 0;
    ours.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - (torchLogits[i] as number)));
      scale = Math.max(scale, Math.abs(torchLogits[i] as number));
    });
    expect(torchLogits.length).toBe(2);
    expect(diff / scale).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, normalized, nchw]);
    det.dispose();
  }, 900_000);
});
