/**
 * Where the training and evaluation records come from: the embedded faceworld dataset (generated once and cached
 * by the hash of its options) or any DeepfakeBench-layout dataset with cross-domain test sets.
 */
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readDeepfakeBench, type SampleRecord, type SkipLog } from '@cs-dfd/data';
import { GENERATOR_VERSION, generateDataset, parseOptions } from '@cs-dfd/faceworld';
import { ConfigError, hashOf, type TrainConfig } from './config.js';
import { exists } from './fs-utils.js';

/** One evaluation split: its report name and its records. */
export interface EvalSplit {
  /** `val`, `test` (in-domain) or `cross:<name>` (cross-domain test). */
  name: string;
  role: 'val' | 'test' | 'cross';
  records: readonly SampleRecord[];
  /** Samples skipped as bad (`data.onBadSample=skip`): by the index reader, then by decoding. */
  skipped: SkipLog;
}

/** Everything the trainer reads. */
export interface Datasets {
  /** What was used, for the report (`faceworld` with its cache folder, or the index files). */
  description: string;
  /** Dataset root (faceworld: the cache folder). */
  root: string;
  train: readonly SampleRecord[];
  /** Training samples the index reader skipped as bad (the loader counts the ones it meets itself). */
  trainSkipped: SkipLog;
  /** Validation first, then the in-domain test, then each cross-domain test. */
  eval: EvalSplit[];
  /** Seconds spent generating faceworld (0 when reused). */
  generationSeconds: number;
}

/** Progress callback of dataset generation. */
export type GenerationProgress = (done: number, total: number) => void;

/**
 * The faceworld folder for these options, generated on first use. Generation writes into a temporary sibling
 * and renames it, so an interrupted generation never leaves a half dataset that a later run would reuse.
 */
export async function faceworldFolder(
  options: Record<string, unknown>,
  cacheDir: string,
  onProgress?: GenerationProgress,
): Promise<{ dir: string; seconds: number; reused: boolean }> {
  const parsed = parseOptions(options);
  const dir = resolve(cacheDir, `faceworld-${hashOf({ v: GENERATOR_VERSION, options: parsed })}`);
  if (await exists(join(dir, 'faceworld.json'))) return { dir, seconds: 0, reused: true };
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const r = await generateDataset(parsed, {
    out: tmp,
    ...(onProgress === undefined ? {} : { onProgress: (p) => onProgress(p.done, p.total) }),
  });
  try {
    await rename(tmp, dir);
  } catch (e) {
    // Another process generated the same options concurrently: its complete copy wins.
    await rm(tmp, { recursive: true, force: true });
    if (!(await exists(join(dir, 'faceworld.json')))) throw e;
    return { dir, seconds: r.seconds, reused: true };
  }
  return { dir, seconds: r.seconds, reused: false };
}

/** Reads (and for faceworld, first generates) the datasets a config names. */
export async function loadDatasets(config: TrainConfig, onProgress?: GenerationProgress): Promise<Datasets> {
  const d = config.data;
  const policy = d.onBadSample;
  if (d.source === 'faceworld') {
    const fw = await faceworldFolder(d.faceworld.options, d.faceworld.cacheDir, onProgress);
    const meta = JSON.parse(await readFile(join(fw.dir, 'faceworld.json'), 'utf8')) as {
      labelDict: Record<string, 0 | 1>;
    };
    const src = join(fw.dir, 'dataset_json', 'faceworld-source.json');
    const tgt = join(fw.dir, 'dataset_json', 'faceworld-target.json');
    const common = { root: fw.dir, labelMap: meta.labelDict, onBadSample: policy } as const;
    const read = (file: string, split: 'train' | 'val' | 'test', frames: number) =>
      readDeepfakeBench(file, { ...common, split, framesPerVideo: frames });
    const [train, val, test, cross] = await Promise.all([
      read(src, 'train', d.framesPerVideo),
      read(src, 'val', d.evalFramesPerVideo),
      read(src, 'test', d.evalFramesPerVideo),
      read(tgt, 'test', d.evalFramesPerVideo),
    ]);
    return {
      description: `faceworld (SYNTHETIC) at ${fw.dir}${fw.reused ? ' (reused)' : ''}`,
      root: fw.dir,
      train: train.records,
      trainSkipped: train.skipped,
      eval: [
        { name: 'val', role: 'val', records: val.records, skipped: val.skipped },
        { name: 'test', role: 'test', records: test.records, skipped: test.skipped },
        { name: 'cross:faceworld-target', role: 'cross', records: cross.records, skipped: cross.skipped },
      ],
      generationSeconds: fw.seconds,
    };
  }
  const dfb = d.deepfakebench;
  if (dfb === undefined) {
    throw new ConfigError(
      'config: data.deepfakebench: data.source is deepfakebench but data.deepfakebench (root, files) is not set',
      'data.deepfakebench',
    );
  }
  const common = { compression: dfb.compression, labelMap: dfb.labelMap, onBadSample: policy } as const;
  const read = (files: readonly string[], root: string, split: 'train' | 'val' | 'test', frames: number) =>
    readDeepfakeBench(files, { ...common, root, split, framesPerVideo: frames });
  const [train, val, test] = await Promise.all([
    read(dfb.files, dfb.root, 'train', d.framesPerVideo),
    read(dfb.files, dfb.root, 'val', d.evalFramesPerVideo),
    read(dfb.files, dfb.root, 'test', d.evalFramesPerVideo),
  ]);
  const cross = await Promise.all(
    dfb.crossDomain.map(async (c) => {
      const r = await read(c.files, c.root ?? dfb.root, 'test', d.evalFramesPerVideo);
      return { name: `cross:${c.name}`, role: 'cross' as const, records: r.records, skipped: r.skipped };
    }),
  );
  return {
    description: `DeepfakeBench index ${dfb.files.join(', ')} under ${dfb.root}`,
    root: dfb.root,
    train: train.records,
    trainSkipped: train.skipped,
    eval: [
      { name: 'val', role: 'val', records: val.records, skipped: val.skipped },
      { name: 'test', role: 'test', records: test.records, skipped: test.skipped },
      ...cross,
    ],
    generationSeconds: 0,
  };
}
