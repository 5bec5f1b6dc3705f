/**
 * Grid protocols -> the trainer's `data` section. `faceworld` is the trainer's default data (the embedded synthetic
 * dataset, generated once into the shared cache); `faceworld-large` the same generator with benchmark-sized test
 * sets; `deepfakebench` reads DeepfakeBench-layout index files with
 * optional cross-domain test sets (DESIGN §14: FF++ -> Celeb-DF, DFDC, DFDCP).
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GridError } from './errors.js';
import type { GridResults } from './types.js';

/** A cross-domain test set of the DeepfakeBench protocol. */
export interface CrossDomainSet {
  /** Split name suffix: the report calls it `cross:<name>`. */
  name: string;
  files: string[];
  /** Dataset root of its frame paths; default the protocol's `root`. */
  root?: string;
}

/**
 * faceworld sized so that every test split's frame-level AUC has a Hanley–McNeil standard error of at most 0.01
 * at any AUC (packages/faceworld/README.md): 120 source people (18 test people × 4 clips × 16 frames = 1,152 real
 * and 3,456 fake test frames) and 30 target people (1,920 real, 5,760 fake); the default faceworld's 480-frame test
 * set has SE ≈ 0.02, as large as the differences between methods. Every frame of a test clip is scored
 * (`evalFramesPerVideo` 16). About 38,400 frames, generated once into the grid cache.
 */
export const FACEWORLD_LARGE = {
  options: { identities: 120, videosPerIdentity: 4, frames: 16, targetIdentities: 30 },
  evalFramesPerVideo: 16,
} as const;

/** Which data the grid trains and evaluates on. */
export type GridProtocol =
  | { kind: 'faceworld' }
  | { kind: 'faceworld-large' }
  | {
      kind: 'deepfakebench';
      /** Index files of the training dataset (its train/val/test splits are used). */
      index: string[];
      /** DeepfakeBench's `rgb_dir`. */
      root: string;
      cross?: CrossDomainSet[];
      /** Extra label -> 0 (real) / 1 (fake) entries over the DeepfakeBench label_dict. */
      labels?: Record<string, 0 | 1>;
    };

async function mustExist(file: string, what: string, key: string): Promise<void> {
  try {
    await access(file);
  } catch {
    throw new GridError('missing-file', `${what} ${file} does not exist`, key);
  }
}

/**
 * The raw config every cell starts from: the protocol's `data` section with absolute paths (so a grid means the
 * same data from any working directory) and the shared faceworld cache. Missing index files or roots are a
 * {@link GridError} (`missing-file`) naming the file, raised before any training.
 */
export async function protocolConfig(
  protocol: GridProtocol,
  cacheDir: string,
): Promise<Record<string, unknown>> {
  const faceworld = { cacheDir: resolve(cacheDir) };
  if (protocol.kind === 'faceworld') return { data: { source: 'faceworld', faceworld } };
  if (protocol.kind === 'faceworld-large') {
    return {
      data: {
        source: 'faceworld',
        faceworld: { ...faceworld, options: { ...FACEWORLD_LARGE.options } },
        evalFramesPerVideo: FACEWORLD_LARGE.evalFramesPerVideo,
      },
    };
  }
  if (protocol.index.length === 0) throw new GridError('bad-option', '--index: no index file given', 'index');
  const root = resolve(protocol.root);
  await mustExist(root, '--root: dataset root', 'root');
  const index = protocol.index.map((f) => resolve(f));
  for (const f of index) await mustExist(f, '--index: index file', 'index');
  const crossDomain = [];
  for (const c of protocol.cross ?? []) {
    if (!/^[A-Za-z0-9_.-]+$/.test(c.name)) {
      throw new GridError('bad-option', `--cross: name "${c.name}" must be letters, digits, _ . -`, 'cross');
    }
    if (c.files.length === 0) throw new GridError('bad-option', `--cross ${c.name}: no index file`, 'cross');
    const files = c.files.map((f) => resolve(f));
    for (const f of files) await mustExist(f, `--cross ${c.name}: index file`, 'cross');
    crossDomain.push({ name: c.name, files, ...(c.root === undefined ? {} : { root: resolve(c.root) }) });
  }
  return {
    data: {
      source: 'deepfakebench',
      faceworld,
      deepfakebench: { root, files: index, crossDomain, labelMap: { ...(protocol.labels ?? {}) } },
    },
  };
}

/** The protocol name results.json records. */
export const protocolName = (p: GridProtocol): GridResults['protocol'] => p.kind;
