/**
 * Resumable checkpoints: `DIR/checkpoint/` holds the detector (its tfjs save format), the optimizer's state,
 * the trainer state (step, RNG, best validation score, counters) and `manifest.json` with a SHA-256 of every file.
 * A checkpoint is written into a temporary folder and renamed into place, so a kill at any moment leaves either
 * the previous checkpoint or the new one, never a mix; loading verifies every checksum.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Detector } from '@cs-dfd/detectors';
import { loadDetector, saveDetector } from '@cs-dfd/detectors';
import { writeFileAtomic } from '@cs-dfd/plots';
import type { RngState } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { exists } from './fs-utils.js';

/** Bumped when the layout changes. */
export const CHECKPOINT_VERSION = 1;

/** Trainer state beside the weights. */
export interface TrainerState {
  version: number;
  /** Steps completed (the next step to run). */
  step: number;
  /** The loader's next step (equals `step`: one loader batch per step). */
  loaderStep: number;
  rng: RngState;
  /** Hash of the resolved config without `train.steps` (a resume may extend the run). */
  configHash: string;
  bestVal: { step: number; auc: number } | null;
  skippedSteps: number;
  consecutiveSkips: number;
  /** Training seconds so far (excluding evaluation), carried across resumes. */
  seconds: number;
}

/** A checkpoint that cannot be used: missing, or a file whose checksum does not match. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile() && rel !== 'manifest.json') out.push(rel);
  }
  return out.sort();
}

/**
 * Adam's bias-correction powers live in private variables; its `setWeights` recomputes them as β^(t+1) with
 * `pow`, which differs in the last float32 bit from the running product `applyGradients` keeps. Saving and
 * restoring them directly is what makes a resumed run bitwise equal to an uninterrupted one.
 */
function adamPowers(optimizer: tf.Optimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } | undefined {
  const o = optimizer as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  return o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable
    ? { accBeta1: o.accBeta1, accBeta2: o.accBeta2 }
    : undefined;
}

/** Encodes the optimizer's state (`getWeights()` plus Adam's powers) as a tfjs weights blob + specs. */
async function optimizerArtifacts(optimizer: tf.Optimizer): Promise<{ data: Uint8Array; specs: string }> {
  const weights = await optimizer.getWeights();
  const powers = adamPowers(optimizer);
  const named: { name: string; tensor: tf.Tensor }[] = weights.map((w, i) => ({
    name: `${i}:${w.name}`,
    tensor: w.tensor,
  }));
  if (powers) {
    named.push(
      { name: '__accBeta1', tensor: powers.accBeta1 },
      { name: '__accBeta2', tensor: powers.accBeta2 },
    );
  }
  const { data, specs } = await tf.io.encodeWeights(named);
  // getWeights() returns a fresh tensor for `iter`; the rest are the optimizer's own variables.
  const iter = weights.find((w) => w.name === 'iter');
  iter?.tensor.dispose();
  return { data: new Uint8Array(data as ArrayBuffer), specs: JSON.stringify(specs) };
}

/** Writes `dir/checkpoint` atomically (temp folder + rename; the previous one is removed only afterwards). */
export async function saveCheckpoint(
  dir: string,
  detector: Detector,
  optimizer: tf.Optimizer,
  state: TrainerState,
): Promise<void> {
  const final = join(dir, 'checkpoint');
  const tmp = join(dir, `checkpoint.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await saveDetector(detector, join(tmp, 'model'));
  const opt = await optimizerArtifacts(optimizer);
  await writeFileAtomic(join(tmp, 'optimizer.bin'), opt.data);
  await writeFileAtomic(join(tmp, 'optimizer.json'), opt.specs);
  await writeFileAtomic(join(tmp, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  const files = await listFiles(tmp);
  const manifest: Record<string, string> = {};
  for (const f of files) manifest[f] = sha256(await readFile(join(tmp, f)));
  await writeFileAtomic(
    join(tmp, 'manifest.json'),
    `${JSON.stringify({ version: CHECKPOINT_VERSION, sha256: manifest }, null, 2)}\n`,
  );
  const old = join(dir, `checkpoint.old-${process.pid}`);
  const had = await exists(final);
  if (had) await rename(final, old);
  await rename(tmp, final);
  if (had) await rm(old, { recursive: true, force: true });
}

/** Which folder holds the latest complete checkpoint (a kill between the two renames leaves `checkpoint.old-*`). */
async function checkpointFolder(dir: string): Promise<string> {
  const final = join(dir, 'checkpoint');
  if (await exists(join(final, 'manifest.json'))) return final;
  const olds = (await readdir(dir).catch(() => [] as string[])).filter((n) =>
    n.startsWith('checkpoint.old-'),
  );
  for (const o of olds) if (await exists(join(dir, o, 'manifest.json'))) return join(dir, o);
  throw new CheckpointError(`no checkpoint to resume in ${dir} (expected ${final}/manifest.json)`);
}

/** Verifies the manifest's checksums; a missing, extra or changed file is a {@link CheckpointError} naming it. */
export async function verifyCheckpoint(folder: string): Promise<void> {
  let manifest: { version: number; sha256: Record<string, string> };
  try {
    manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
  } catch (e) {
    throw new CheckpointError(
      `${folder}/manifest.json is unreadable: ${(e as Error).message}`,
      'manifest.json',
    );
  }
  if (manifest.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${folder}: checkpoint version ${manifest.version}, expected ${CHECKPOINT_VERSION}`,
    );
  }
  const files = await listFiles(folder);
  for (const f of files) {
    if (!(f in manifest.sha256)) throw new CheckpointError(`${folder}/${f} is not in the manifest`, f);
  }
  for (const [f, want] of Object.entries(manifest.sha256)) {
    let got: string;
    try {
      got = sha256(await readFile(join(folder, f)));
    } catch {
      throw new CheckpointError(`${folder}/${f} is missing`, f);
    }
    if (got !== want) {
      throw new CheckpointError(
        `${folder}/${f}: SHA-256 mismatch (manifest ${want.slice(0, 12)}…, file ${got.slice(0, 12)}…); the checkpoint is corrupt`,
        f,
      );
    }
  }
}

/** A loaded checkpoint: a detector with the saved weights, and the state to give the optimizer and the loop. */
export interface LoadedCheckpoint {
  folder: string;
  detector: Detector;
  state: TrainerState;
  /** Restores the optimizer's state into a freshly built optimizer of the same kind. */
  restoreOptimizer(optimizer: tf.Optimizer): Promise<void>;
}

/** Loads and verifies the latest checkpoint under `dir`. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const folder = await checkpointFolder(dir);
  await verifyCheckpoint(folder);
  const state = JSON.parse(await readFile(join(folder, 'state.json'), 'utf8')) as TrainerState;
  if (state.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${folder}/state.json: version ${state.version}, expected ${CHECKPOINT_VERSION}`,
      'state.json',
    );
  }
  const detector = await loadDetector(join(folder, 'model'));
  const specs = JSON.parse(
    await readFile(join(folder, 'optimizer.json'), 'utf8'),
  ) as tf.io.WeightsManifestEntry[];
  const bin = await readFile(join(folder, 'optimizer.bin'));
  const data = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return {
    folder,
    detector,
    state,
    async restoreOptimizer(optimizer) {
      const map = tf.io.decodeWeights(data, specs);
      const weights = specs
        .filter((s) => !s.name.startsWith('__'))
        .map((s) => ({ name: s.name.slice(s.name.indexOf(':') + 1), tensor: map[s.name]! }));
      if (weights.length > 0) await optimizer.setWeights(weights);
      const powers = adamPowers(optimizer);
      if (powers && map.__accBeta1 && map.__accBeta2) {
        powers.accBeta1.assign(map.__accBeta1 as tf.Scalar);
        powers.accBeta2.assign(map.__accBeta2 as tf.Scalar);
      }
      // setWeights copied what it keeps into variables; the decoded tensors are no longer needed.
      tf.dispose(Object.values(map));
    },
  };
}
