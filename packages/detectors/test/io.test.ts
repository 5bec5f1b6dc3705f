import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Detector,
  DetectorError,
  fileSystem,
  loadDetector,
  loadPretrainedWeights,
  saveDetector,
  writeArtifacts,
} from '../src/index.js';
import { fixedBatch, trainStep, useBackend } from './helpers.js';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-dfd-detectors-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
  await tf.setBackend('cpu');
});

const TINY = { backbone: { kind: 'small-cnn' as const, channels: [4, 8] }, inputSize: 8, projectionDim: 6 };

function caught(f: () => unknown): DetectorError {
  try {
    f();
  } catch (e) {
    if (e instanceof DetectorError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

async function caughtAsync(f: () => Promise<unknown>): Promise<DetectorError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof DetectorError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('save and load', () => {
  it('save -> load gives identical predictions, weights and moving statistics (after training)', async () => {
    const det = new Detector({
      backbone: { kind: 'resnet18', width: 1 / 16 },
      inputSize: 32,
      projectionDim: 8,
    });
    const { x, y } = fixedBatch(4, 32);
    const opt = tf.train.sgd(0.05);
    for (let i = 0; i < 3; i++) trainStep(det, opt, x, y);
    const dir = path.join(root, 'resnet');
    await saveDetector(det, dir);
    const back = await loadDetector(dir);
    expect(back.config).toEqual(det.config);
    const a = tf.tidy(() => Array.from(det.predict(x).dataSync()));
    const b = tf.tidy(() => Array.from(back.predict(x).dataSync()));
    expect(b).toEqual(a);
    const w0 = det.namedWeights();
    for (const [name, v] of back.namedWeights()) {
      expect(Array.from(v.dataSync()), name).toEqual(Array.from(w0.get(name)!.dataSync()));
    }
    // Moving statistics moved during training and were saved.
    const mm = back.namedWeights().get('backbone/bn1/moving_mean')!;
    expect(Math.max(...Array.from(mm.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    det.dispose();
    back.dispose();
    opt.dispose();
    tf.dispose([x, y]);
  });

  it('writes model.json + one content-addressed weights file; a second save replaces both', async () => {
    const dir = path.join(root, 'layout');
    const det = new Detector(TINY);
    await saveDetector(det, dir);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('cs-dfd-detector');
    expect(json.modelTopology.config.backbone).toEqual({
      kind: 'small-cnn',
      channels: [4, 8],
      batchNorm: true,
    });
    const [group] = json.weightsManifest;
    expect(group.paths).toHaveLength(1);
    expect(group.paths[0]).toMatch(/^weights\.[0-9a-f]{16}\.bin$/);
    expect(group.weights.map((w: { name: string }) => w.name)).toEqual(det.weightInfo().map((w) => w.name));
    const bytes = (await fs.stat(path.join(dir, group.paths[0]))).size;
    expect(bytes).toBe(4 * det.parameterCount().total);
    det.namedWeights().get('head/b')!.assign(tf.scalar(0.5));
    await saveDetector(det, dir);
    const files = (await fs.readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files).not.toContain(group.paths[0]);
    const back = await loadDetector(dir);
    expect(back.namedWeights().get('head/b')!.dataSync()[0]).toBe(0.5);
    det.dispose();
    back.dispose();
  });

  it('works through the IOHandler and with a path to the .json file', async () => {
    const det = new Detector(TINY);
    const file = path.join(root, 'handler', 'my-model.json');
    const result = await saveDetector(det, fileSystem(file));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(4 * det.parameterCount().total);
    const back = await loadDetector(file);
    expect(back.parameterCount()).toEqual(det.parameterCount());
    det.dispose();
    back.dispose();
  });
});

describe('loading errors', () => {
  it('a shape mismatch names the weight and both shapes, and leaves the detector unchanged', async () => {
    const dir = path.join(root, 'wide');
    const wide = new Detector({ ...TINY, backbone: { kind: 'small-cnn', channels: [4, 16] } });
    await saveDetector(wide, dir);
    const det = new Detector(TINY);
    const before = Array.from(det.namedWeights().get('backbone/block1/conv/kernel')!.dataSync());
    const e = await caughtAsync(() => loadPretrainedWeights(det, dir, { allowMissing: true }));
    expect(e.code).toBe('shape-mismatch');
    expect(e.weight).toBe('backbone/block2/conv/kernel');
    expect(e.message).toContain("weight 'backbone/block2/conv/kernel' has shape [3, 3, 4, 16]");
    expect(e.message).toContain('but [3, 3, 4, 8] in the model');
    expect(e.message).toContain(dir);
    // block1 matched, but nothing is assigned when any check fails.
    expect(Array.from(det.namedWeights().get('backbone/block1/conv/kernel')!.dataSync())).toEqual(before);
    wide.dispose();
    det.dispose();
  });

  it('pretrained backbone weights with other names load through rename; the head may be missing', async () => {
    const src = new Detector({ ...TINY, seed: 7 });
    const named = Object.fromEntries(
      [...src.namedWeights()]
        .filter(([n]) => n.startsWith('backbone/'))
        .map(([n, v]) => [`${n.slice('backbone/'.length).replaceAll('/', '.')}:0`, v]),
    );
    const { data, specs } = await tf.io.encodeWeights(named);
    const dir = path.join(root, 'keras-like');
    await writeArtifacts(dir, { weightSpecs: specs, weightData: data, format: 'layers-model' });
    const det = new Detector({ ...TINY, seed: 8 });
    const report = await loadPretrainedWeights(det, dir, {
      rename: (n) => `backbone/${n.replace(/:0$/, '').replaceAll('.', '/')}`,
    });
    expect(report.missing).toEqual(['head/Wp', 'head/bp', 'head/v', 'head/b']);
    expect(report.loaded).toHaveLength(det.weightInfo().length - 4);
    const { x } = fixedBatch(2, 8);
    const fa = tf.tidy(() => Array.from(src.features(x).dataSync()));
    const fb = tf.tidy(() => Array.from(det.features(x).dataSync()));
    expect(fb).toEqual(fa);
    // Without rename nothing matches: every file weight is unexpected.
    const e = await caughtAsync(() => loadPretrainedWeights(det, dir));
    expect(e.code).toBe('unexpected-weight');
    expect(e.message).toContain('block1.conv.kernel:0');
    src.dispose();
    det.dispose();
    x.dispose();
  });

  it('missing weights, truncated files, bad JSON, foreign topologies and escaping paths are typed errors', async () => {
    const det = new Detector(TINY);
    const dir = path.join(root, 'broken');
    await saveDetector(det, dir);
    const jsonPath = path.join(dir, 'model.json');
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
    const weightsPath = path.join(dir, json.weightsManifest[0].paths[0]);

    const deeper = new Detector({
      ...TINY,
      backbone: { kind: 'small-cnn', channels: [4, 8, 8] },
      inputSize: 8,
    });
    const missing = await caughtAsync(() => loadPretrainedWeights(deeper, dir));
    expect(missing.code).toBe('missing-weight');
    expect(missing.message).toContain('backbone/block3/conv/kernel');
    deeper.dispose();

    const foreign = await caughtAsync(() => loadDetector(path.join(root, 'keras-like')));
    expect(foreign.code).toBe('bad-file');
    expect(foreign.message).toContain('not a saved @cs-dfd/detectors detector');

    const full = await fs.readFile(weightsPath);
    await fs.writeFile(weightsPath, full.subarray(0, full.length - 4));
    const truncated = await caughtAsync(() => loadDetector(dir));
    expect(truncated.code).toBe('bad-file');
    expect(truncated.message).toContain(
      `hold ${full.length - 4} bytes, the manifest declares ${full.length}`,
    );
    await fs.writeFile(weightsPath, full);

    await fs.writeFile(
      jsonPath,
      JSON.stringify({ ...json, weightsManifest: [{ paths: ['../x.bin'], weights: [] }] }),
    );
    const escaping = await caughtAsync(() => loadDetector(dir));
    expect(escaping.message).toContain('points outside');

    await fs.writeFile(jsonPath, '{"weightsManifest": [');
    const badJson = await caughtAsync(() => loadDetector(dir));
    expect(badJson.code).toBe('bad-file');
    expect(badJson.file).toBe(jsonPath);

    const none = await caughtAsync(() => loadDetector(path.join(root, 'does-not-exist')));
    expect(none.message).toContain('cannot read');
    det.dispose();
  });
});

describe('weights verified on every load', () => {
  it('a flipped byte fails with the file named, via the recorded SHA-256 or, without it, the file-name prefix', async () => {
    const det = new Detector(TINY);
    const dir = path.join(root, 'flipped');
    await saveDetector(det, dir);
    const jsonPath = path.join(dir, 'model.json');
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
    const name: string = json.weightsManifest[0].paths[0];
    expect(Object.keys(json.weightsSha256)).toEqual([name]);
    expect(json.weightsSha256[name]).toMatch(/^[0-9a-f]{64}$/);
    expect(json.weightsSha256[name].slice(0, 16)).toBe(name.slice(8, 24));
    const weightsPath = path.join(dir, name);
    const bytes = await fs.readFile(weightsPath);
    bytes[bytes.length >> 1]! ^= 0x10;
    await fs.writeFile(weightsPath, bytes);
    const recorded = await caughtAsync(() => loadDetector(dir));
    expect(recorded.code).toBe('bad-file');
    expect(recorded.file).toBe(weightsPath);
    expect(recorded.message).toMatch(
      /weights file .* is corrupt: its SHA-256 is [0-9a-f]{64}, model.json expects/,
    );
    const { weightsSha256: _, ...older } = json;
    await fs.writeFile(jsonPath, JSON.stringify(older));
    const byName = await caughtAsync(() => loadDetector(dir));
    expect(byName.message).toMatch(
      /is corrupt: its SHA-256 is [0-9a-f]{16}, model.json expects [0-9a-f]{16}$/,
    );
    det.dispose();
  });

  it('a NaN written with a consistent hash still fails, naming the weight', async () => {
    const det = new Detector(TINY);
    const dir = path.join(root, 'nan');
    await saveDetector(det, dir);
    const jsonPath = path.join(dir, 'model.json');
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
    const name: string = json.weightsManifest[0].paths[0];
    const bytes = await fs.readFile(path.join(dir, name));
    const specs: Array<{ name: string; shape: number[] }> = json.weightsManifest[0].weights;
    const firstSize = specs[0]!.shape.reduce((a, b) => a * b, 1);
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(4 * (firstSize + 1), Number.NaN, true);
    const { weightsSha256: _, ...rest } = json;
    await fs.writeFile(jsonPath, JSON.stringify(rest));
    // A foreign file name carries no hash: only the finiteness check stands between the NaN and the model.
    await fs.rm(path.join(dir, name));
    await fs.writeFile(path.join(dir, 'foreign.bin'), bytes);
    await fs.writeFile(
      jsonPath,
      JSON.stringify({ ...rest, weightsManifest: [{ ...json.weightsManifest[0], paths: ['foreign.bin'] }] }),
    );
    const e = await caughtAsync(() => loadDetector(dir));
    expect(e.code).toBe('bad-file');
    expect(e.message).toContain(`weight ${specs[1]!.name} holds a non-finite value (NaN) at element 1`);
    det.dispose();
  });
});

describe('inputs and options', () => {
  it('bad options name the field and the value', () => {
    expect(caught(() => new Detector({ inputSize: 4 })).message).toContain(
      'inputSize must be an integer in [8, 1024], got 4',
    );
    expect(
      caught(() => new Detector({ backbone: { kind: 'efficientnet', variant: 'b9' as never } })).message,
    ).toContain('backbone.variant must be one of b0, b1, b2, b3, b4, got "b9"');
    expect(
      caught(() => new Detector({ backbone: { kind: 'resnet18', depth: 2 } as never })).message,
    ).toContain("unknown option 'depth'");
    expect(caught(() => new Detector({ activation: 'relu' as never })).code).toBe('invalid-config');
    expect(caught(() => new Detector({ backbone: 'vgg' as never })).message).toContain('backbone.kind');
  });

  it('images of the wrong shape or labels of the wrong length are rejected; a disposed detector throws', () => {
    const det = new Detector(TINY);
    const x = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    expect(caught(() => det.predict(x)).message).toContain(
      '[N >= 1, 8, 8, 3] (inputSize 8, NHWC), got [2, 16, 16, 3]',
    );
    const ok = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    expect(caught(() => det.loss(ok, tf.zeros([3]) as tf.Tensor1D)).message).toContain(
      'labels must have shape [2]',
    );
    const before = tf.memory().numTensors;
    det.dispose();
    expect(tf.memory().numTensors).toBe(before - det.weightInfo().length);
    expect(caught(() => det.predict(ok)).code).toBe('disposed');
    tf.dispose([x, ok]);
  });
});
