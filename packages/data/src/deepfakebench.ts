import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type BadSamplePolicy, DataError, SkipLog } from './errors.js';
import { landmarkPathFor, naturalCompare, resolveInside } from './paths.js';
import { evenlySpaced } from './sampling.js';
import type { SampleRecord, Split, SplitRecords } from './types.js';

/**
 * Label keys of DeepfakeBench's `label_dict` (training config) mapped to 0 = real, 1 = fake. Pass `labelMap` to
 * add or override keys (faceworld and user datasets use their own).
 */
export const DEEPFAKEBENCH_LABELS: Readonly<Record<string, 0 | 1>> = {
  'FF-real': 0,
  'FF-DF': 1,
  'FF-F2F': 1,
  'FF-FS': 1,
  'FF-NT': 1,
  'FF-FH': 1,
  'FF-SH': 1,
  DFD_real: 0,
  DFD_fake: 1,
  CelebDFv1_real: 0,
  CelebDFv1_fake: 1,
  CelebDFv2_real: 0,
  CelebDFv2_fake: 1,
  DFDCP_Real: 0,
  DFDCP_FakeA: 1,
  DFDCP_FakeB: 1,
  DFDC_Real: 0,
  DFDC_Fake: 1,
  DF_real: 0,
  DF_fake: 1,
  UADFV_Real: 0,
  UADFV_Fake: 1,
};

/** Compression levels DeepfakeBench nests under a split for FF++-family datasets. */
const COMPRESSIONS = new Set(['c23', 'c40', 'raw']);

const videoEntry = z.object({
  label: z.union([z.string().min(1), z.literal(0), z.literal(1)]),
  frames: z.array(z.string().min(1)),
});
const splitMap = z.record(z.string(), z.unknown());
const indexSchema = z.record(
  z.string(),
  z.record(
    z.string(),
    z.object({ train: splitMap.optional(), val: splitMap.optional(), test: splitMap.optional() }),
  ),
);

/** Options of the DeepfakeBench reader. */
export interface DeepfakeBenchOptions {
  /** Dataset root (DeepfakeBench's `rgb_dir`): relative frame paths resolve against it, and no path may leave it. */
  readonly root: string;
  readonly split: Split;
  /** Compression level for FF++-family datasets. Default `c23` (DeepfakeBench's default). */
  readonly compression?: string;
  /** Frames per video, evenly spaced over the sorted frame list. Default 32 (DeepfakeBench's test `frame_num`). */
  readonly framesPerVideo?: number;
  /** Extra or overriding label keys -> 0 real / 1 fake, merged over {@link DEEPFAKEBENCH_LABELS}. */
  readonly labelMap?: Readonly<Record<string, 0 | 1>>;
  /** Keep only these label keys (methods), e.g. `['FF-real', 'FF-DF']`. Default all. */
  readonly methods?: readonly string[];
  /** Bad frame paths (outside the root): throw (default) or skip and count. */
  readonly onBadSample?: BadSamplePolicy;
}

/** Records of one split plus the reader's skip log. */
export interface ReadResult extends SplitRecords {
  readonly skipped: SkipLog;
}

/**
 * Reads one or more DeepfakeBench index files, `{Dataset: {LabelKey: {train|val|test: {[c23|c40|raw]: {video:
 * {label, frames}}}}}}` (the compression level is absent for Celeb-DF, DFDC, ...). Frames are sorted naturally,
 * then `framesPerVideo` are taken evenly spaced; videos are identified as `<Dataset>/<LabelKey>/<video>` so FF++
 * folder names repeated across methods stay distinct videos. A video listed in several files (FF-real appears in
 * every FF-*.json) is kept once. Throws `index-schema` naming the file and key path, `unknown-label`, `missing-file`,
 * `empty-split`.
 */
export async function readDeepfakeBench(
  indexFiles: string | readonly string[],
  options: DeepfakeBenchOptions,
): Promise<ReadResult> {
  const files = typeof indexFiles === 'string' ? [indexFiles] : indexFiles;
  const skipped = new SkipLog();
  const records: SampleRecord[] = [];
  const seenFirstFrames = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new DataError(
        'missing-file',
        `cannot read DeepfakeBench index ${file}: ${(e as Error).message}`,
        { file },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new DataError('index-schema', `${file} is not JSON: ${(e as Error).message}`, { file });
    }
    records.push(...parseDeepfakeBenchIndex(json, file, options, skipped, seenFirstFrames));
  }
  if (records.length === 0) {
    throw new DataError(
      'empty-split',
      `split "${options.split}" has no frames in ${files.join(', ')}` +
        (options.methods ? ` for methods ${options.methods.join(', ')}` : ''),
      { file: files[0] ?? '' },
    );
  }
  return { split: options.split, records, videos: new Set(records.map((r) => r.videoId)).size, skipped };
}

/**
 * The synchronous core of {@link readDeepfakeBench} for an index already in memory (`file` names it in errors).
 * `seenFirstFrames` carries de-duplication across files.
 */
export function parseDeepfakeBenchIndex(
  json: unknown,
  file: string,
  options: DeepfakeBenchOptions,
  skipped: SkipLog = new SkipLog(),
  seenFirstFrames: Set<string> = new Set(),
): SampleRecord[] {
  const parsed = indexSchema.safeParse(json);
  if (!parsed.success) throw schemaError(file, [], parsed.error);
  const labels = { ...DEEPFAKEBENCH_LABELS, ...options.labelMap };
  const compression = options.compression ?? 'c23';
  const perVideo = options.framesPerVideo ?? 32;
  const policy = options.onBadSample ?? 'error';
  const out: SampleRecord[] = [];
  for (const [dataset, byLabel] of Object.entries(parsed.data)) {
    for (const [labelKey, bySplit] of Object.entries(byLabel)) {
      if (options.methods && !options.methods.includes(labelKey)) continue;
      const splitValue = bySplit[options.split];
      if (splitValue === undefined) continue;
      const base = [dataset, labelKey, options.split];
      const { videos, keyPath } = videosOf(splitValue, compression, base);
      for (const [video, raw] of Object.entries(videos)) {
        const at = [...keyPath, video];
        const entry = videoEntry.safeParse(raw);
        if (!entry.success) throw schemaError(file, at, entry.error);
        const label = resolveLabel(entry.data.label, labelKey, labels, file, [...at, 'label']);
        const frames = entry.data.frames.map((f, i) => ({ f, i })).sort((a, b) => naturalCompare(a.f, b.f));
        const resolved: { abs: string; index: number }[] = [];
        for (const [pos, { f, i }] of frames.entries()) {
          try {
            resolved.push({
              abs: resolveInside(options.root, f, `${file} > ${[...at, 'frames', i].join(' > ')}`),
              index: pos,
            });
          } catch (e) {
            skipped.handle(e, policy);
          }
        }
        if (resolved.length === 0) continue;
        const first = resolved[0]!.abs;
        if (seenFirstFrames.has(first)) continue;
        seenFirstFrames.add(first);
        const videoId = `${dataset}/${labelKey}/${video}`;
        for (const k of evenlySpaced(resolved.length, perVideo)) {
          const { abs, index } = resolved[k]!;
          out.push({
            image: abs,
            label,
            kind: label === 0 ? 'real' : 'original',
            method: labelKey,
            videoId,
            frameIndex: index,
            landmarks: landmarkPathFor(abs),
            split: options.split,
          });
        }
      }
    }
  }
  return out;
}

/** A split holds videos directly, or compression levels holding videos (FF++). */
function videosOf(
  splitValue: Record<string, unknown>,
  compression: string,
  keyPath: (string | number)[],
): { videos: Record<string, unknown>; keyPath: (string | number)[] } {
  const keys = Object.keys(splitValue);
  const nested = keys.length > 0 && keys.every((k) => COMPRESSIONS.has(k));
  if (!nested) return { videos: splitValue, keyPath };
  const inner = splitValue[compression];
  if (inner === undefined || inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
    return { videos: {}, keyPath: [...keyPath, compression] };
  }
  return { videos: inner as Record<string, unknown>, keyPath: [...keyPath, compression] };
}

function resolveLabel(
  label: string | 0 | 1,
  labelKey: string,
  map: Readonly<Record<string, 0 | 1>>,
  file: string,
  at: (string | number)[],
): 0 | 1 {
  if (label === 0 || label === 1) return label;
  const v = map[label] ?? map[labelKey];
  if (v === undefined) {
    throw new DataError(
      'unknown-label',
      `${file} > ${at.join(' > ')}: label "${label}" is not in the label map; pass labelMap: { "${label}": 0 | 1 }`,
      { file, keyPath: at.join(' > ') },
    );
  }
  return v;
}

function schemaError(file: string, at: (string | number)[], err: z.ZodError): DataError {
  const issue = err.issues[0]!;
  const keyPath = [...at, ...issue.path.map((p) => String(p))].join(' > ');
  return new DataError(
    'index-schema',
    `${path.basename(file)} > ${keyPath || '(top level)'}: ${issue.message} (DeepfakeBench layout: ` +
      '{Dataset: {LabelKey: {train|val|test: {[c23|c40|raw]: {video: {label, frames: [...]}}}}}})',
    { file, keyPath },
  );
}
