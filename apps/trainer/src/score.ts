/** `cs-dfd-train score`: P(fake) of images or folders of images with a trained detector. */
import { access, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { IMAGE_EXTENSIONS, loadImage, naturalCompare } from '@cs-dfd/data';
import { type Detector, loadDetector } from '@cs-dfd/detectors';
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from './errors.js';

/**
 * The model folder of a run folder: its validation-selected `best/`, else its last checkpoint's `model/`; a folder
 * that holds a `model.json` itself is used as it is.
 */
export async function modelFolder(dir: string): Promise<string> {
  for (const candidate of [join(dir, 'best'), join(dir, 'checkpoint', 'model'), dir]) {
    const found = await access(join(candidate, 'model.json')).then(
      () => true,
      () => false,
    );
    if (found) return candidate;
  }
  throw new InputError(
    `${dir}: no trained detector (looked for best/model.json, checkpoint/model/model.json, model.json)`,
  );
}

/** Image files under the given paths (folders recursively, natural order); a missing path is an error. */
export async function imageFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      naturalCompare(a.name, b.name),
    );
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const p of paths) {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(p);
    } catch {
      throw new InputError(`${p}: no such file or folder`);
    }
    if (s.isDirectory()) {
      const before = out.length;
      await walk(p);
      if (out.length === before) {
        throw new InputError(`${p}: no images in this folder (looked for ${IMAGE_EXTENSIONS.join(', ')})`);
      }
    } else out.push(p);
  }
  return out;
}

/** One image's result: its P(fake), or why it could not be scored (`score` is then null). */
export type ScoredImage = { path: string; score: number } | { path: string; score: null; error: string };

/**
 * Scores each file with the detector (decoded with sharp, resized to its input size). A file that cannot be read or
 * decoded gets its error and the others are still scored.
 */
export async function scoreFiles(
  detector: Detector,
  files: readonly string[],
  batchSize = 32,
): Promise<ScoredImage[]> {
  const size = detector.config.inputSize;
  const per = size * size * 3;
  const out: ScoredImage[] = [];
  for (let i = 0; i < files.length; i += batchSize) {
    const chunk = files.slice(i, i + batchSize);
    const decoded = await Promise.allSettled(chunk.map((f) => loadImage(f, size)));
    const good = decoded.flatMap((d, j) => (d.status === 'fulfilled' ? [{ j, img: d.value }] : []));
    const scores = new Float32Array(chunk.length);
    if (good.length > 0) {
      const data = new Float32Array(good.length * per);
      good.forEach(({ img }, n) => {
        for (let k = 0; k < per; k++) data[n * per + k] = img.data[k]! / 255;
      });
      const p = tf.tidy(() => detector.predict(tf.tensor4d(data, [good.length, size, size, 3])));
      const values = p.dataSync();
      p.dispose();
      good.forEach(({ j }, n) => {
        scores[j] = values[n]!;
      });
    }
    chunk.forEach((path, j) => {
      const d = decoded[j]!;
      out.push(
        d.status === 'fulfilled'
          ? { path, score: scores[j]! }
          : { path, score: null, error: (d.reason as Error)?.message ?? String(d.reason) },
      );
    });
  }
  return out;
}

/** Loads the run's detector and scores the paths. */
export async function scorePaths(checkpoint: string, paths: readonly string[]): Promise<ScoredImage[]> {
  const detector = await loadDetector(await modelFolder(checkpoint));
  try {
    return await scoreFiles(detector, await imageFiles(paths));
  } finally {
    detector.dispose();
  }
}
