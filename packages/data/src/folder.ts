import type { Dirent } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ReadResult } from './deepfakebench.js';
import { DataError, SkipLog } from './errors.js';
import { naturalCompare } from './paths.js';
import { evenlySpaced } from './sampling.js';
import type { SampleRecord, Split } from './types.js';

/** Image extensions the folder reader lists (what sharp decodes out of the box). */
export const IMAGE_EXTENSIONS: readonly string[] = [
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.bmp',
  '.tif',
  '.tiff',
];

/** Options of {@link readImageFolder}. */
export interface FolderOptions {
  readonly split: Split;
  /**
   * Used only without `train/ val/ test/` sub-folders: the share of *videos* in train and val (test gets the
   * rest), assigned by a seeded hash of the video id so that the frames of one video never straddle splits.
   * Default `{ train: 0.8, val: 0.1 }`.
   */
  readonly ratios?: { readonly train: number; readonly val: number };
  /** Seed of the hash split. Default 0. */
  readonly seed?: number;
  /** Frames per video, evenly spaced. Default: all. */
  readonly framesPerVideo?: number;
  /** Dataset name used in video ids. Default: the root folder's name. */
  readonly dataset?: string;
}

/**
 * Reads people's own folders: `real/` and `fake/<method>/` (optionally under `train/ val/ test/`). A sub-folder of
 * `real/` or `fake/<method>/` is one video (its images are frames, in natural order); an image directly inside is a
 * video of its own. A landmark file `<image stem>.json` beside an image is attached when present. Video ids are
 * `<dataset>/<real|method>/<relative folder or stem>`.
 */
export async function readImageFolder(root: string, options: FolderOptions): Promise<ReadResult> {
  const absRoot = path.resolve(root);
  const dataset = options.dataset ?? path.basename(absRoot);
  const hasSplits = await exists(path.join(absRoot, options.split));
  const base = hasSplits ? path.join(absRoot, options.split) : absRoot;
  const ratios = options.ratios ?? { train: 0.8, val: 0.1 };
  if (!(ratios.train >= 0 && ratios.val >= 0 && ratios.train + ratios.val <= 1)) {
    throw new DataError(
      'invalid-option',
      `readImageFolder: ratios must be >= 0 and sum to <= 1, got ${JSON.stringify(ratios)}`,
    );
  }
  const groups: { method: string; label: 0 | 1; dir: string }[] = [];
  if (await exists(path.join(base, 'real')))
    groups.push({ method: 'real', label: 0, dir: path.join(base, 'real') });
  const fakeDir = path.join(base, 'fake');
  if (await exists(fakeDir)) {
    for (const d of (await readdir(fakeDir, { withFileTypes: true })).sort((a, b) =>
      naturalCompare(a.name, b.name),
    )) {
      if (d.isDirectory()) groups.push({ method: d.name, label: 1, dir: path.join(fakeDir, d.name) });
    }
  }
  if (groups.length === 0) {
    throw new DataError('missing-file', `readImageFolder: ${base} has neither real/ nor fake/<method>/`, {
      file: base,
    });
  }
  const records: SampleRecord[] = [];
  for (const g of groups) {
    const videos = new Map<string, string[]>();
    for (const file of await listImages(g.dir)) {
      const rel = path.relative(g.dir, file);
      const dir = path.dirname(rel);
      const key = dir === '.' ? rel.slice(0, rel.length - path.extname(rel).length) : dir;
      const list = videos.get(key) ?? [];
      list.push(file);
      videos.set(key, list);
    }
    for (const [key, frames] of [...videos].sort((a, b) => naturalCompare(a[0], b[0]))) {
      const videoId = `${dataset}/${g.method}/${key.split(path.sep).join('/')}`;
      if (!hasSplits && splitOf(videoId, options.seed ?? 0, ratios) !== options.split) continue;
      frames.sort(naturalCompare);
      const picks = options.framesPerVideo
        ? evenlySpaced(frames.length, options.framesPerVideo)
        : frames.keys();
      for (const k of picks) {
        const image = frames[k]!;
        const lm = image.slice(0, image.length - path.extname(image).length) + '.json';
        records.push({
          image,
          label: g.label,
          kind: g.label === 0 ? 'real' : 'original',
          method: g.method,
          videoId,
          frameIndex: k,
          landmarks: (await exists(lm)) ? lm : undefined,
          split: options.split,
        });
      }
    }
  }
  if (records.length === 0) {
    throw new DataError('empty-split', `readImageFolder: split "${options.split}" of ${base} has no images`, {
      file: base,
    });
  }
  return {
    split: options.split,
    records,
    videos: new Set(records.map((r) => r.videoId)).size,
    skipped: new SkipLog(),
  };
}

/** Seeded FNV-1a hash of the id mapped to [0, 1), then cut by the ratios. */
export function splitOf(videoId: string, seed: number, ratios: { train: number; val: number }): Split {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < videoId.length; i++) {
    h ^= videoId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // FNV's low bits mix poorly for short keys; finish with a murmur3-style avalanche
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  const u = h / 2 ** 32;
  return u < ratios.train ? 'train' : u < ratios.train + ratios.val ? 'val' : 'test';
}

async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    // symbolic links are not followed: they could lead outside the dataset root
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listImages(p)));
    else if (e.isFile() && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
