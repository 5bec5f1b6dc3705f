/**
 * Resumable checkpoints: `DIR/checkpoint/` holds the detector (its tfjs save format), the optimizer's state (one
 * file pair per parameter group when the backbone has its own learning rate),
 * the trainer state (step, RNG, best validation score, counters, the aggregator's own state), the EMAs of the
 * per-source gradients behind the logged `emaCosine`, and `manifest.json` with a SHA-256 of every file.
 * A checkpoint is written into a temporary folder and renamed into place, so a kill at any moment leaves either
 * the previous checkpoint or the new one, never a mix; loading verifies every checksum.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SkippedSample } from '@cs-dfd/data';
import type { Detector } from '@cs-dfd/detectors';
import { loadDetector, saveDetector, writeArtifacts } from '@cs-dfd/detectors';
import { type Aggregator, GramianError, type MethodState } from '@cs-dfd/gramian';
import type { EmaCosineTracker } from '@cs-dfd/gramian/tfjs';
import { writeFileAtomic } from '@cs-dfd/plots';
import type { RngState } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { exists } from './fs-utils.js';
import { GroupedOptimizer } from './optimizer.js';

/**
 * Bumped when the layout changes. 2: the aggregator's state (`state.json` `aggregator`) and the gradient EMAs
 * (`ema-gradients.bin/.json`, `state.json` `emaCosine`). A version-1 checkpoint lacks both, so a resume from it
 * could not continue bit for bit (GradVac would restart its targets, the EMA cosine its averages): it is refused
 * with a {@link CheckpointError} that says so, rather than loaded with silent defaults. 3: parameter groups
 * (`optimizer.backboneLrFactor` < 1) keep each group's optimizer state in `optimizer-<group>.bin/.json` and list
 * the groups in `state.json` `optimizerGroups`; a version-2 checkpoint is the one-group layout a run at factor 1
 * still writes, so it loads unchanged (older code refuses a version-3 one by its number instead of missing files).
 */
export const CHECKPOINT_VERSION = 3;

/** Versions {@link loadCheckpoint} reads. */
const READABLE_VERSIONS = [2, CHECKPOINT_VERSION];

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
  /** The aggregator's `exportState()` (GradVac's targets and order RNG); absent or null for stateless methods. */
  aggregator?: MethodState | null;
  /** The gradient-EMA tracker's β and step count (its tensors are in `ema-gradients.bin`); absent or null without one. */
  emaCosine?: { beta: number; count: number } | null;
  /** Training samples skipped as bad so far (`data.onBadSample=skip`), carried across resumes; absent: none. */
  skippedSamples?: SkippedSample[];
  /**
   * The optimizer's parameter groups (name and learning-rate factor); absent or null for one plain optimizer.
   * Written by {@link saveCheckpoint} from the optimizer it is given.
   */
  optimizerGroups?: { name: string; factor: number }[] | null;
}

/** What a checkpoint carries besides the detector and the optimizer. */
export interface CheckpointExtras {
  /** The EMA-gradient tracker behind the log's `emaCosine`; its EMAs are saved as `ema-gradients.bin/.json`. */
  emaCosine?: EmaCosineTracker;
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

/**
 * The optimizers whose state a checkpoint keeps, each with its file stem: one plain optimizer as `optimizer`, or
 * each stepped group of a {@link GroupedOptimizer} as `optimizer-<group>` (a frozen group has no state).
 */
function optimizerParts(optimizer: tf.Optimizer): { stem: string; optimizer: tf.Optimizer }[] {
  if (!(optimizer instanceof GroupedOptimizer)) return [{ stem: 'optimizer', optimizer }];
  return optimizer.groups.flatMap((g) =>
    g.optimizer === null ? [] : [{ stem: `optimizer-${g.name}`, optimizer: g.optimizer }],
  );
}

/** What `state.json` records of the optimizer's groups (null: one plain optimizer). */
function groupsOf(optimizer: tf.Optimizer): { name: string; factor: number }[] | null {
  return optimizer instanceof GroupedOptimizer
    ? optimizer.groups.map((g) => ({ name: g.name, factor: g.factor }))
    : null;
}

/** Encodes the tracker's EMAs as a tfjs weights blob + specs, entries named `<task>:<parameter>`. */
async function emaArtifacts(tracker: EmaCosineTracker): Promise<{ data: Uint8Array; specs: string }> {
  const snap = tracker.snapshot();
  try {
    const named = snap.ema.flatMap((m, i) =>
      Object.entries(m).map(([k, tensor]) => ({ name: `${i}:${k}`, tensor })),
    );
    const { data, specs } = await tf.io.encodeWeights(named);
    return { data: new Uint8Array(data as ArrayBuffer), specs: JSON.stringify(specs) };
  } finally {
    for (const m of snap.ema) tf.dispose(Object.values(m));
  }
}

/** Where a checkpoint's wall time went, in milliseconds (the parts of a `checkpoint` event's `timing`). */
export interface CheckpointWriteTiming {
  /** Encoding the weights, the optimizer's state, the EMAs and `state.json` into memory. */
  serialiseMs: number;
  /** Writing the files (the model folder durably) and renaming the folder into place. */
  writeMs: number;
  /** The manifest's SHA-256 of every file. */
  hashMs: number;
}

/**
 * Writes `dir/checkpoint` atomically (temp folder + rename; the previous one is removed only afterwards). With
 * `extras.emaCosine`, the tracker's EMAs go to `ema-gradients.bin/.json` and its β and count to `state.emaCosine`.
 * Everything is encoded first, then written, so the returned timing tells encoding from I/O.
 */
export async function saveCheckpoint(
  dir: string,
  detector: Detector,
  optimizer: tf.Optimizer,
  state: TrainerState,
  extras: CheckpointExtras = {},
): Promise<CheckpointWriteTiming> {
  const t0 = performance.now();
  let model: tf.io.ModelArtifacts | undefined;
  await saveDetector(detector, {
    save: async (artifacts) => {
      model = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  });
  const files: [string, Uint8Array | string][] = [];
  for (const part of optimizerParts(optimizer)) {
    const opt = await optimizerArtifacts(part.optimizer);
    files.push([`${part.stem}.bin`, opt.data], [`${part.stem}.json`, opt.specs]);
  }
  const tracker = extras.emaCosine;
  if (tracker !== undefined) {
    const ema = await emaArtifacts(tracker);
    files.push(['ema-gradients.bin', ema.data], ['ema-gradients.json', ema.specs]);
  }
  const saved: TrainerState = {
    ...state,
    version: CHECKPOINT_VERSION,
    optimizerGroups: groupsOf(optimizer),
    emaCosine: tracker === undefined ? null : { beta: tracker.beta, count: tracker.count },
  };
  files.push(['state.json', `${JSON.stringify(saved, null, 2)}\n`]);
  const t1 = performance.now();

  const final = join(dir, 'checkpoint');
  const tmp = join(dir, `checkpoint.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeArtifacts(join(tmp, 'model'), model!);
  for (const [name, data] of files) await writeFileAtomic(join(tmp, name), data);
  const t2 = performance.now();
  const manifest: Record<string, string> = {};
  for (const f of await listFiles(tmp)) manifest[f] = sha256(await readFile(join(tmp, f)));
  const t3 = performance.now();
  await writeFileAtomic(
    join(tmp, 'manifest.json'),
    `${JSON.stringify({ version: CHECKPOINT_VERSION, sha256: manifest }, null, 2)}\n`,
  );
  const old = join(dir, `checkpoint.old-${process.pid}`);
  const had = await exists(final);
  if (had) await rename(final, old);
  await rename(tmp, final);
  if (had) await rm(old, { recursive: true, force: true });
  return { serialiseMs: t1 - t0, writeMs: t2 - t1 + (performance.now() - t3), hashMs: t3 - t2 };
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
  if (!READABLE_VERSIONS.includes(manifest.version)) {
    const why =
      manifest.version === 1
        ? ': version 1 (written before the aggregator state and the gradient EMAs were saved) cannot be resumed bit for bit; start the run again without --resume'
        : '';
    throw new CheckpointError(
      `${folder}: checkpoint version ${manifest.version}, expected ${CHECKPOINT_VERSION}${why}`,
      'manifest.json',
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

/** Restores one optimizer's state from `folder/<stem>.bin/.json` (written by `optimizerArtifacts`). */
async function restoreOptimizerFrom(folder: string, stem: string, optimizer: tf.Optimizer): Promise<void> {
  const specs = JSON.parse(
    await readFile(join(folder, `${stem}.json`), 'utf8'),
  ) as tf.io.WeightsManifestEntry[];
  const bin = await readFile(join(folder, `${stem}.bin`));
  const map = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), specs);
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
}

/** A loaded checkpoint: a detector with the saved weights, and the state to give the optimizer and the loop. */
export interface LoadedCheckpoint {
  folder: string;
  detector: Detector;
  state: TrainerState;
  /** Restores the optimizer's state into a freshly built optimizer of the same kind. */
  restoreOptimizer(optimizer: tf.Optimizer): Promise<void>;
  /**
   * Restores the saved EMAs into a tracker with the same β (a checkpoint without EMAs leaves it empty). A β
   * mismatch, or EMAs saved without a tracker to take them, is a {@link CheckpointError}.
   */
  restoreEmaCosine(tracker: EmaCosineTracker | undefined): Promise<void>;
  /**
   * Gives a freshly built aggregator the saved `state.aggregator` (`importState`). Saved state for a method
   * without `importState`, or state the method rejects, is a {@link CheckpointError} naming `state.json`.
   */
  restoreAggregator(aggregator: Aggregator): void;
}

/** Loads and verifies the latest checkpoint under `dir`. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const folder = await checkpointFolder(dir);
  await verifyCheckpoint(folder);
  const state = JSON.parse(await readFile(join(folder, 'state.json'), 'utf8')) as TrainerState;
  if (!READABLE_VERSIONS.includes(state.version)) {
    throw new CheckpointError(
      `${folder}/state.json: version ${state.version}, expected one of ${READABLE_VERSIONS.join(', ')}`,
      'state.json',
    );
  }
  const detector = await loadDetector(join(folder, 'model'));
  return {
    folder,
    detector,
    state,
    async restoreOptimizer(optimizer) {
      const saved = JSON.stringify(state.optimizerGroups ?? null);
      const want = JSON.stringify(groupsOf(optimizer));
      if (saved !== want) {
        throw new CheckpointError(
          `${folder}/state.json: optimizerGroups: the checkpoint's optimizer has groups ${saved}, this run's ${want} (optimizer.backboneLrFactor differs)`,
          'state.json',
        );
      }
      for (const part of optimizerParts(optimizer))
        await restoreOptimizerFrom(folder, part.stem, part.optimizer);
    },
    restoreAggregator(aggregator) {
      const saved = state.aggregator ?? null;
      if (saved === null) return;
      if (aggregator.importState === undefined) {
        throw new CheckpointError(
          `${folder}/state.json: aggregator: the checkpoint holds state for a method, but ${aggregator.name} cannot import state`,
          'state.json',
        );
      }
      try {
        aggregator.importState(saved);
      } catch (e) {
        throw new CheckpointError(
          `${folder}/state.json: aggregator (${aggregator.name}): ${(e as Error).message}`,
          'state.json',
        );
      }
    },
    async restoreEmaCosine(tracker) {
      const saved = state.emaCosine ?? null;
      if (saved === null || tracker === undefined) {
        if (saved !== null && saved.count > 0) {
          throw new CheckpointError(
            `${folder}/state.json: emaCosine: the checkpoint has gradient EMAs of ${saved.count} steps but this run tracks none`,
            'state.json',
          );
        }
        return;
      }
      if (saved.beta !== tracker.beta) {
        throw new CheckpointError(
          `${folder}/state.json: emaCosine.beta is ${saved.beta}, this run's tracker uses ${tracker.beta}`,
          'state.json',
        );
      }
      const emaSpecs = JSON.parse(
        await readFile(join(folder, 'ema-gradients.json'), 'utf8'),
      ) as tf.io.WeightsManifestEntry[];
      const raw = await readFile(join(folder, 'ema-gradients.bin'));
      const map = tf.io.decodeWeights(
        raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength),
        emaSpecs,
      );
      try {
        const ema: tf.NamedTensorMap[] = [];
        for (const spec of emaSpecs) {
          const cut = spec.name.indexOf(':');
          const task = Number(spec.name.slice(0, cut));
          if (cut < 0 || !Number.isInteger(task) || task < 0 || task > ema.length) {
            throw new CheckpointError(
              `${folder}/ema-gradients.json: entry "${spec.name}" is not <task>:<parameter> in task order`,
              'ema-gradients.json',
            );
          }
          ema[task] ??= {};
          ema[task]![spec.name.slice(cut + 1)] = map[spec.name]!;
        }
        tracker.restore({ count: saved.count, ema });
      } catch (e) {
        if (e instanceof GramianError) {
          throw new CheckpointError(`${folder}/ema-gradients.bin: ${e.message}`, 'ema-gradients.bin');
        }
        throw e;
      } finally {
        tf.dispose(Object.values(map));
      }
    },
  };
}
