import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_EXTENSIONS, splitOf } from '../folder.js';
import { naturalCompare } from '../paths.js';
import { SPLITS, type Split } from '../types.js';
import { PrepError } from './errors.js';
import { VIDEO_EXTENSIONS } from './ffmpeg.js';

/** One input video: a folder of frames, a loose image (a one-frame video) or a video file. */
export interface InputVideo {
  readonly split: Split;
  /** `real`, or the method folder under `fake/`. */
  readonly method: string;
  readonly label: 0 | 1;
  /** Video name: its path under the method folder, `/`-separated, without a file extension. */
  readonly name: string;
  /** `frames`: the images in natural order; `video`: the one video file. */
  readonly kind: 'frames' | 'video';
  readonly files: readonly string[];
}

/** Split assignment for inputs without `train/ val/ test/` folders (the folder reader's seeded hash by video). */
export interface SplitOptions {
  readonly ratios?: { readonly train: number; readonly val: number };
  readonly seed?: number;
}

/**
 * Lists the videos under `root`: `real/` and `fake/<method>/`, optionally below `train/ val/ test/`. Inside a
 * method folder a sub-folder of images is one video, a loose image is a video of one frame, a video file is a
 * video. Without split folders each video's split is `splitOf(<dataset>/<method>/<name>)`, the same as
 * `readImageFolder` on the raw input. Throws `invalid-input` naming the folder when it has neither layout.
 */
export async function scanInput(
  root: string,
  dataset: string,
  options: SplitOptions = {},
): Promise<InputVideo[]> {
  const absRoot = path.resolve(root);
  const entries = await list(absRoot);
  const splitDirs = SPLITS.filter((s) => entries.some((e) => e.isDirectory() && e.name === s));
  const ratios = options.ratios ?? { train: 0.8, val: 0.1 };
  const out: InputVideo[] = [];
  const bases =
    splitDirs.length > 0
      ? splitDirs.map((s) => ({ dir: path.join(absRoot, s), split: s }))
      : [{ dir: absRoot, split: undefined }];
  for (const { dir, split } of bases) {
    const groups: { method: string; label: 0 | 1; dir: string }[] = [];
    const top = await list(dir);
    if (top.some((e) => e.isDirectory() && e.name === 'real'))
      groups.push({ method: 'real', label: 0, dir: path.join(dir, 'real') });
    if (top.some((e) => e.isDirectory() && e.name === 'fake')) {
      for (const m of await list(path.join(dir, 'fake'))) {
        if (m.isDirectory()) groups.push({ method: m.name, label: 1, dir: path.join(dir, 'fake', m.name) });
      }
    }
    if (groups.length === 0) {
      throw new PrepError(
        'invalid-input',
        `${dir} has neither real/ nor fake/<method>/ (expected [train|val|test/]real/... and ` +
          '[train|val|test/]fake/<method>/..., each holding one folder of frames per video, images or video files)',
        dir,
      );
    }
    for (const g of groups) {
      for (const v of await videosIn(g.dir)) {
        const s = split ?? splitOf(`${dataset}/${g.method}/${v.name}`, options.seed ?? 0, ratios);
        out.push({ split: s, method: g.method, label: g.label, ...v });
      }
    }
  }
  return out;
}

async function videosIn(dir: string): Promise<{ name: string; kind: 'frames' | 'video'; files: string[] }[]> {
  const byFolder = new Map<string, string[]>();
  const out: { name: string; kind: 'frames' | 'video'; files: string[] }[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await list(d)) {
      const p = path.join(d, e.name);
      // symbolic links are not followed: they could lead outside the input root
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const ext = path.extname(e.name).toLowerCase();
        const rel = path.relative(dir, p).split(path.sep).join('/');
        if (VIDEO_EXTENSIONS.includes(ext))
          out.push({ name: rel.slice(0, -ext.length), kind: 'video', files: [p] });
        else if (IMAGE_EXTENSIONS.includes(ext)) {
          const folder = path.dirname(rel);
          if (folder === '.') out.push({ name: rel.slice(0, -ext.length), kind: 'frames', files: [p] });
          else byFolder.set(folder, [...(byFolder.get(folder) ?? []), p]);
        }
      }
    }
  };
  await walk(dir);
  for (const [name, files] of byFolder) out.push({ name, kind: 'frames', files: files.sort(naturalCompare) });
  return out.sort((a, b) => naturalCompare(a.name, b.name));
}

async function list(dir: string): Promise<Dirent[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).sort((a, b) => naturalCompare(a.name, b.name));
  } catch (e) {
    const st = await stat(dir).catch(() => undefined);
    throw new PrepError(
      'invalid-input',
      `cannot list ${dir}: ${st && !st.isDirectory() ? 'not a folder' : (e as NodeJS.ErrnoException).code}`,
      dir,
    );
  }
}
