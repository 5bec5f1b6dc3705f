/** The preview grid: one row per face, columns real / mask / fake (and the artifact transforms on request). */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Rng } from '@cs-dfd/rng';
import {
  applyCheckerboard,
  applySpectralPeak,
  sampleCheckerboardParams,
  sampleSpectralPeakParams,
} from './artifacts.js';
import { ForgeryError } from './errors.js';
import { imageGrid } from './grid.js';
import { decodeImage, doubleJpeg, maskToRgb, sampleDoubleJpegParams } from './io.js';
import { selfBlend } from './sbi.js';
import { blendedFaceSwap, type IdentifiedFace } from './swap.js';
import { syntheticFace } from './synthetic.js';
import type { Face, Landmarks, RgbImage } from './types.js';
import { validateLandmarks } from './validate.js';

/** Options of {@link previewGrid}. */
export interface PreviewOptions {
  /** Number of faces (rows). Default 6. */
  n?: number;
  /** Seed of the synthesis (and of the synthetic faces). Default 0. */
  seed?: number;
  /** Side of the synthetic faces. Default 256. */
  size?: number;
  /** Faces to use instead of synthetic ones (cycled when fewer than `n`). */
  faces?: readonly Face[];
  /**
   * Add checkerboard, spectral-peak and double-JPEG columns (each inside the SBI blend mask) and a blended face
   * swap column (source drawn from the other faces). Default false.
   */
  artifacts?: boolean;
}

/** Renders the grid; all faces in one grid must share a size. */
export async function previewGrid(options: PreviewOptions = {}): Promise<RgbImage> {
  const { n = 6, seed = 0, size = 256, faces, artifacts = false } = options;
  const rng = new Rng(seed);
  const rows: RgbImage[][] = [];
  const given = faces && faces.length > 0 ? faces : null;
  // Every face is its own identity; the swap draws its source from the others.
  const all: IdentifiedFace[] = Array.from({ length: given ? given.length : n }, (_, i) => ({
    ...(given ? given[i]! : syntheticFace(seed * 1000 + i, { size })),
    identity: i,
  }));
  for (let i = 0; i < n; i++) {
    const face = all[i % all.length]!;
    const sbi = selfBlend(face.image, face.landmarks, rng);
    const row = [sbi.target, maskToRgb(sbi.mask), sbi.fake];
    if (artifacts) {
      const { image } = face;
      row.push(applyCheckerboard(image, sbi.mask, sampleCheckerboardParams(rng, { amplitude: [12, 16] })));
      row.push(
        applySpectralPeak(
          image,
          sbi.mask,
          sampleSpectralPeakParams(image.width, image.height, rng, { amplitude: [10, 14] }),
        ),
      );
      row.push(await doubleJpeg(image, sbi.mask, sampleDoubleJpegParams(rng, { quality1: [10, 20] })));
      if (all.length > 1) row.push(blendedFaceSwap(face, all, rng).fake);
    }
    rows.push(row);
  }
  return imageGrid(rows);
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/**
 * Reads faces from a folder: every PNG / JPEG / WebP image with a sidecar `<name>.json` holding its landmarks,
 * either a bare `[[x, y], …]` array or `{ "landmarks": [[x, y], …] }` (68 or 81 points, dlib order).
 */
export async function readFaceFolder(dir: string): Promise<Face[]> {
  const task = 'readFaceFolder';
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    throw new ForgeryError('input.read', task, 'dir', dir, (err as Error).message);
  }
  const faces: Face[] = [];
  for (const name of names) {
    if (!IMAGE_EXT.has(extname(name).toLowerCase())) continue;
    const sidecar = join(dir, `${basename(name, extname(name))}.json`);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(sidecar, 'utf8'));
    } catch (err) {
      throw new ForgeryError('input.read', task, 'landmarks file', sidecar, (err as Error).message);
    }
    const landmarks = (Array.isArray(json) ? json : (json as { landmarks?: unknown }).landmarks) as Landmarks;
    const image = await decodeImage(join(dir, name));
    try {
      validateLandmarks(landmarks, image.width, image.height, `${task} ${sidecar}`);
    } catch (err) {
      if (err instanceof ForgeryError) throw err;
      throw new ForgeryError('landmarks.count', task, 'landmarks', sidecar, 'not an array of [x, y] points');
    }
    faces.push({ image, landmarks });
  }
  if (faces.length === 0)
    throw new ForgeryError('input.read', task, 'dir', dir, 'holds no image with a landmarks .json');
  return faces;
}
