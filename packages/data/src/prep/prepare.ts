import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applySimilarity, fitSimilarity } from '@cs-dfd/imaging';
import sharp from 'sharp';
import { DataError } from '../errors.js';
import { landmarkPathFor } from '../paths.js';
import { evenlySpaced } from '../sampling.js';
import type { RgbImage, Split } from '../types.js';
import { type FaceDetector, type FaceDetectorOptions, loadFaceDetector } from './detector.js';
import { PrepError } from './errors.js';
import { countFrames, extractFrames, type FfmpegTools, findFfmpeg } from './ffmpeg.js';
import { type InputVideo, type SplitOptions, scanInput } from './scan.js';
import { alignmentTemplate, fivePoints } from './template.js';
import { warpSimilarity } from './warp.js';

/** Options of {@link prepareDataset}. */
export interface PrepareOptions extends FaceDetectorOptions, SplitOptions {
  /** Input root: `[train|val|test/]real/...` and `[train|val|test/]fake/<method>/...`. */
  readonly input: string;
  /** Output root (DeepfakeBench's `rgb_dir`): frames, landmarks, the index `<dataset>.json` and the report. */
  readonly out: string;
  /** Side of the square aligned crop in pixels. Default 256 (DeepfakeBench's `res`). */
  readonly size?: number;
  /** Crop side over face extent; 1.3 (DeepfakeBench's default) keeps 15 % of the side around the face. */
  readonly scale?: number;
  /** Frames per video, evenly spaced. Default 32 (DeepfakeBench's `num_frames`). */
  readonly framesPerVideo?: number;
  /** Dataset name: the index's top key and the output folder. Default: the input folder's name. */
  readonly dataset?: string;
  /**
   * Method folder (`real`, or a folder under `fake/`) -> DeepfakeBench label key, e.g. `{ real: 'FF-real',
   * Deepfakes: 'FF-DF' }`. Unmapped folders become `<dataset>_<folder>`.
   */
  readonly labelKeys?: Readonly<Record<string, string>>;
  /** Where to look for ffmpeg/ffprobe. Default `$PATH`. */
  readonly searchPath?: string;
  /** A detector already loaded (it is then not reloaded, and the detector options are ignored). */
  readonly detector?: FaceDetector;
  /** Called after each frame. */
  readonly onProgress?: (done: number, total: number, source: string) => void;
}

/** What happened to one sampled frame. */
export interface FrameResult {
  /** The input image, or `<video file>#<frame index>`. */
  readonly source: string;
  readonly split: Split;
  readonly labelKey: string;
  readonly video: string;
  /** Frame index in its video (position in the natural-sorted frame list, or the decoded frame number). */
  readonly frame: number;
  /** Faces found; the largest one was aligned. */
  readonly faces: number;
  /** The written crop and landmark JSON (absolute), when a face was found. */
  readonly frameFile: string | undefined;
  readonly landmarkFile: string | undefined;
}

/** The outcome of {@link prepareDataset}; also written to `<out>/<dataset>.prep.json`. */
export interface PrepReport {
  readonly dataset: string;
  /** The DeepfakeBench index, `{dataset: {labelKey: {train, val, test: {video: {label, frames}}}}}`. */
  readonly indexFile: string;
  readonly reportFile: string;
  /** Label key -> 0 real / 1 fake: pass it as `labelMap` to `readDeepfakeBench` (DeepfakeBench's `label_dict`). */
  readonly labelMap: Readonly<Record<string, 0 | 1>>;
  readonly videos: number;
  /** Frames examined. */
  readonly images: number;
  /** Frames with at least one face (each wrote a crop and its landmarks). */
  readonly found: number;
  /** Sources of the frames without a face. */
  readonly notFound: readonly string[];
  /** Frames with more than one face (the largest was kept). */
  readonly multipleFaces: number;
  /** Videos none of whose frames had a face (left out of the index). */
  readonly videosWithoutFaces: readonly string[];
  readonly frames: readonly FrameResult[];
  readonly detector: FaceDetector['info'];
  readonly seconds: number;
}

interface PlannedVideo extends InputVideo {
  readonly labelKey: string;
  readonly picks: readonly number[];
}

/**
 * Finds the largest face and its 68 landmarks in every sampled frame, similarity-aligns it to DeepfakeBench's
 * 5-point template (`size`, `scale`), and writes `<out>/<dataset>/<labelKey>/frames/<video>/NNN.png`, the landmarks
 * in crop pixels at `.../landmarks/<video>/NNN.json` (68 `[x, y]`), the index `<out>/<dataset>.json` that
 * `readDeepfakeBench(index, { root: out, labelMap: report.labelMap })` reads, and `<out>/<dataset>.prep.json`.
 * Frames without a face are counted and listed, never written. Video files go through ffmpeg (`ffmpeg-missing`
 * names the file and how to install it); an undecodable image is a `corrupt-image` DataError naming the file.
 */
export async function prepareDataset(options: PrepareOptions): Promise<PrepReport> {
  const started = performance.now();
  const size = options.size ?? 256;
  const scale = options.scale ?? 1.3;
  const perVideo = options.framesPerVideo ?? 32;
  const template = alignmentTemplate(size, scale);
  if (!(Number.isInteger(perVideo) && perVideo >= 1)) {
    throw new PrepError('invalid-option', `framesPerVideo must be an integer >= 1, got ${perVideo}`);
  }
  const input = path.resolve(options.input);
  const out = path.resolve(options.out);
  const dataset = options.dataset ?? path.basename(input);
  if (!/^[^/\\]+$/.test(dataset) || dataset === '.' || dataset === '..') {
    throw new PrepError('invalid-option', `dataset name must be a single path segment, got "${dataset}"`);
  }
  const labelKeyOf = (method: string): string => options.labelKeys?.[method] ?? `${dataset}_${method}`;

  // plan every video first, so that the total is known and layout clashes fail before any work
  const videos = await scanInput(input, dataset, options);
  let tools: FfmpegTools | undefined;
  const planned: PlannedVideo[] = [];
  const labelMap: Record<string, 0 | 1> = {};
  const owner = new Map<string, string>();
  for (const v of videos) {
    const labelKey = labelKeyOf(v.method);
    if (!/^[^/\\]+$/.test(labelKey)) {
      throw new PrepError(
        'invalid-option',
        `label key for "${v.method}" must be a single path segment, got "${labelKey}"`,
      );
    }
    if (labelMap[labelKey] !== undefined && labelMap[labelKey] !== v.label) {
      throw new PrepError('invalid-input', `label key "${labelKey}" would hold both real and fake videos`);
    }
    labelMap[labelKey] = v.label;
    const slot = `${labelKey}/${v.name}`;
    const source = v.files[0]!;
    const prev = owner.get(slot);
    if (prev !== undefined) {
      throw new PrepError(
        'invalid-input',
        `${prev} and ${source} would both be written as video "${v.name}" of "${labelKey}"; rename one`,
        source,
      );
    }
    owner.set(slot, source);
    let total = v.files.length;
    if (v.kind === 'video') {
      tools ??= await findFfmpeg(source, options.searchPath);
      total = await countFrames(tools, source);
    }
    planned.push({ ...v, labelKey, picks: evenlySpaced(total, perVideo) });
  }
  const total = planned.reduce((s, v) => s + v.picks.length, 0);
  const detector = options.detector ?? (await loadFaceDetector(options));

  const frames: FrameResult[] = [];
  const index: Record<string, Record<Split, Record<string, { label: string; frames: string[] }>>> = {};
  for (const key of Object.keys(labelMap)) index[key] = { train: {}, val: {}, test: {} };
  const videosWithoutFaces: string[] = [];
  for (const v of planned) {
    const written: string[] = [];
    const tmp = v.kind === 'video' ? await mkdtemp(path.join(os.tmpdir(), 'cs-dfd-prep-')) : undefined;
    try {
      const files = tmp
        ? await extractFrames(tools!, v.files[0]!, v.picks, tmp)
        : v.picks.map((k) => v.files[k]!);
      for (const [i, k] of v.picks.entries()) {
        const file = files[i]!;
        const source = tmp ? `${v.files[0]}#${k}` : file;
        const image = await decode(file, source);
        const found = await detector.detect(image);
        let frameFile: string | undefined;
        let landmarkFile: string | undefined;
        if (found.landmarks !== undefined) {
          const rel = `${dataset}/${v.labelKey}/frames/${v.name}/${String(k).padStart(3, '0')}.png`;
          frameFile = path.join(out, ...rel.split('/'));
          landmarkFile = landmarkPathFor(frameFile)!;
          const t = fitSimilarity(fivePoints(found.landmarks), template);
          const crop = warpSimilarity(image, t, size);
          // landmarks in crop pixels, to 1/1000 px (JSON of full doubles is 3x larger for no use)
          const lm = found.landmarks.map((p) =>
            applySimilarity(t, p).map((c) => Math.round(c * 1000) / 1000),
          );
          await mkdir(path.dirname(frameFile), { recursive: true });
          await mkdir(path.dirname(landmarkFile), { recursive: true });
          await sharp(crop.data, { raw: { width: size, height: size, channels: 3 } })
            .png()
            .toFile(frameFile);
          await writeFile(landmarkFile, JSON.stringify(lm));
          written.push(rel);
        }
        frames.push({
          source,
          split: v.split,
          labelKey: v.labelKey,
          video: v.name,
          frame: k,
          faces: found.faces.length,
          frameFile,
          landmarkFile,
        });
        options.onProgress?.(frames.length, total, source);
      }
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
    if (written.length === 0)
      videosWithoutFaces.push(v.files.length === 1 ? v.files[0]! : path.dirname(v.files[0]!));
    else index[v.labelKey]![v.split][v.name] = { label: v.labelKey, frames: written };
  }

  await mkdir(out, { recursive: true });
  const indexFile = path.join(out, `${dataset}.json`);
  const reportFile = path.join(out, `${dataset}.prep.json`);
  await writeFile(indexFile, `${JSON.stringify({ [dataset]: index }, null, 1)}\n`);
  const report: PrepReport = {
    dataset,
    indexFile,
    reportFile,
    labelMap,
    videos: planned.length,
    images: frames.length,
    found: frames.filter((f) => f.frameFile !== undefined).length,
    notFound: frames.filter((f) => f.frameFile === undefined).map((f) => f.source),
    multipleFaces: frames.filter((f) => f.faces > 1).length,
    videosWithoutFaces,
    frames,
    detector: detector.info,
    seconds: (performance.now() - started) / 1000,
  };
  await writeFile(reportFile, `${JSON.stringify(report, null, 1)}\n`);
  return report;
}

/** Decodes to RGB, honouring EXIF orientation (phone photos are stored sideways). */
async function decode(file: string, source: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(file, { failOn: 'error' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (e) {
    throw new DataError('corrupt-image', `cannot decode ${source}: ${(e as Error).message}`, { file });
  }
}
