// `score` with an imported model (issue #17): a torchvision EfficientNet-B0 saved by PyTorch is fine-tuned by the
// trainer (`detector.weights`, ImageNet input normalisation, backbone at 0.1 × the head's learning rate), and the
// command line's P(fake) of an image equals sigmoid of the logit PyTorch computes for the exported model on the
// same decoded pixels, normalised here by hand (not by the detector).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadImage } from '@cs-dfd/data';
import { loadDetector, SafetensorsFile, saveTorchWeights, writeSafetensors } from '@cs-dfd/detectors';
import { faceworldFolder, loadDatasets, resolveConfig, train } from '@cs-dfd/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE, CLI, ensureBuilt, TINY_FACEWORLD, tinyRaw } from './fixture.js';

// The detectors package's PyTorch reference script (Debian's python3-torch and python3-torchvision).
const SCRIPT = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../packages/detectors/test/fixtures/torch_reference.py',
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
  await ensureBuilt();
  await faceworldFolder(TINY_FACEWORLD, CACHE);
  out = await mkdtemp(join(tmpdir(), 'cs-dfd-train-torch-score-'));
}, 900_000);
afterAll(() => rm(out, { recursive: true, force: true }));

describe('score with an imported model', () => {
  it("prints sigmoid of PyTorch's logit of the exported fine-tuned model", async () => {
    const weights = join(out, 'efficientnet_b0.safetensors');
    python(['save', 'efficientnet_b0', weights]);
    const S = 32;
    const raw = tinyRaw([
      'train.steps=2',
      'train.evalEvery=2',
      'train.checkpointEvery=2',
      'optimizer.backboneLrFactor=0.1',
    ]);
    raw.detector = {
      backbone: { kind: 'efficientnet', variant: 'b0', padding: 'symmetric' },
      batchNorm: { epsilon: 1e-5 },
      inputSize: S,
      projectionDim: 8,
      inputNormalization: 'imagenet',
      freezeBatchNorm: true,
      weights,
    };
    const config = resolveConfig(raw);
    const run = join(out, 'run');
    await train({ config, out: run });
    const data = await loadDatasets(config);
    const images = data.eval
      .find((s) => s.name === 'test')!
      .records.slice(0, 3)
      .map((r) => r.image);

    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI,
      'score',
      '--checkpoint',
      run,
      '--json',
      ...images,
    ]);
    const scored = JSON.parse(stdout) as { path: string; score: number }[];
    expect(scored.map((s) => s.path)).toEqual(images);

    const det = await loadDetector(join(run, 'best'));
    const exported = join(out, 'finetuned.safetensors');
    await saveTorchWeights(det, exported);
    const activation = det.config.activation;
    det.dispose();
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const nchw = new Float32Array(images.length * 3 * S * S);
    for (const [n, f] of images.entries()) {
      const img = await loadImage(f, S);
      for (let p = 0; p < S * S; p++) {
        for (let c = 0; c < 3; c++) {
          nchw[(n * 3 + c) * S * S + p] = (img.data[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
        }
      }
    }
    const input = join(out, 'input.safetensors');
    await writeSafetensors(input, new Map([['input', { shape: [images.length, 3, S, S], data: nchw }]]));
    const ref = join(out, 'ref.safetensors');
    python(['run', 'efficientnet_b0', exported, input, ref, activation]);
    const logits = (await SafetensorsFile.read(ref)).float32('logits').data;
    expect(logits.length).toBe(images.length);
    scored.forEach((s, i) => {
      const p = 1 / (1 + Math.exp(-(logits[i] as number)));
      expect(Math.abs(s.score - p), s.path).toBeLessThanOrEqual(1e-5);
    });
  }, 900_000);
});
