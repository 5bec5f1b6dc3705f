/**
 * Evaluation of a detector on labelled splits: frame scores in inference mode, then `@cs-dfd/metrics` (AUC, AP,
 * EER, accuracy at 0.5 and at the validation-chosen threshold, video-level AUC as the mean frame score per unique
 * video id). Images are decoded once per split and kept, since validation runs many times.
 */
import { type BadSamplePolicy, loadImage, type SampleRecord, type SkipLog } from '@cs-dfd/data';
import type { Detector } from '@cs-dfd/detectors';
import { auc, evaluate, videoScores } from '@cs-dfd/metrics';
import * as tf from '@tensorflow/tfjs-core';

/** Decoded images of one split, NHWC float32 in [0, 1]. */
export interface DecodedSplit {
  name: string;
  records: readonly SampleRecord[];
  images: Float32Array;
  size: number;
  labels: Uint8Array;
  videoIds: string[];
}

/** What decoding does with a file that cannot be read or decoded (see `data.onBadSample`). */
export interface DecodePolicy {
  onBadSample: BadSamplePolicy;
  /** Where skipped files are recorded under `'skip'`. */
  skipped: SkipLog;
}

const DECODE_LANES = 8;

/**
 * Decodes `records` at `size`×`size` on {@link DECODE_LANES} lanes (sharp on libuv's pool), handing each image to
 * `use`; returns the indices that decoded. A bad file throws its DataError, or under `'skip'` is recorded and left
 * out.
 */
async function decodeEach(
  records: readonly SampleRecord[],
  size: number,
  policy: DecodePolicy | undefined,
  use: (i: number, data: Uint8Array) => void,
): Promise<boolean[]> {
  const ok = new Array<boolean>(records.length).fill(false);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < records.length; i = next++) {
      try {
        use(i, (await loadImage(records[i]!.image, size)).data);
        ok[i] = true;
      } catch (e) {
        if (policy === undefined) throw e;
        policy.skipped.handle(e, policy.onBadSample);
      }
    }
  };
  await Promise.all(Array.from({ length: DECODE_LANES }, lane));
  return ok;
}

/**
 * Decodes every record at `size`×`size`. With a `policy` of `'skip'`, files that fail are counted in
 * `policy.skipped` and left out of the split (its `records` are the ones kept).
 */
export async function decodeSplit(
  name: string,
  records: readonly SampleRecord[],
  size: number,
  policy?: DecodePolicy,
): Promise<DecodedSplit> {
  const per = size * size * 3;
  let images = new Float32Array(records.length * per);
  const ok = await decodeEach(records, size, policy, (i, data) => {
    const o = i * per;
    for (let k = 0; k < per; k++) images[o + k] = data[k]! / 255;
  });
  let kept = records;
  if (ok.includes(false)) {
    kept = records.filter((_, i) => ok[i]);
    const compact = new Float32Array(kept.length * per);
    let n = 0;
    ok.forEach((good, i) => {
      if (good) compact.set(images.subarray(i * per, (i + 1) * per), n++ * per);
    });
    images = compact;
  }
  return {
    name,
    records: kept,
    images,
    size,
    labels: Uint8Array.from(kept, (r) => r.label),
    videoIds: kept.map((r) => r.videoId),
  };
}

/**
 * Decodes every record once and keeps nothing but the verdict: the records that decode (a bad one throws, or is
 * skipped and counted under `'skip'`). Checks the test splits before training, so no run dies after it.
 */
export async function checkDecodable(
  records: readonly SampleRecord[],
  size: number,
  policy: DecodePolicy,
): Promise<readonly SampleRecord[]> {
  const ok = await decodeEach(records, size, policy, () => {});
  return ok.includes(false) ? records.filter((_, i) => ok[i]) : records;
}

/** P(fake) for every image of a split, in batches. */
export function scoreImages(
  detector: Detector,
  images: Float32Array,
  size: number,
  batchSize: number,
): Float64Array {
  const per = size * size * 3;
  const n = images.length / per;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += batchSize) {
    const m = Math.min(batchSize, n - i);
    const p = tf.tidy(() =>
      detector.predict(tf.tensor4d(images.subarray(i * per, (i + m) * per), [m, size, size, 3])),
    );
    out.set(p.dataSync(), i);
    p.dispose();
  }
  return out;
}

/** The report's metrics of one split (the keys the issue names, plus counts and per-class accuracies). */
export interface SplitMetrics {
  auc: number;
  ap: number;
  eer: number;
  /** Accuracy at 0.5. */
  acc: number;
  video_auc: number;
  n: number;
  nReal: number;
  nFake: number;
  videos: number;
  /** Accuracy at the threshold chosen on the validation split (when given). */
  acc_at_val_threshold?: number;
  real_acc: number;
  fake_acc: number;
}

/** Metrics of scores against a split's labels. `threshold`: the validation-chosen one, if any. */
export function splitMetrics(split: DecodedSplit, scores: Float64Array, threshold?: number): SplitMetrics {
  const warn = () => {};
  const r = evaluate(split.labels, scores, { warn, ...(threshold === undefined ? {} : { threshold }) });
  const v = videoScores(split.videoIds, split.labels, scores);
  const m: SplitMetrics = {
    auc: r.auc,
    ap: r.ap,
    eer: r.eer,
    acc: r.at05.acc,
    video_auc: auc(v.labels, v.scores, { warn }),
    n: r.n,
    nReal: r.nReal,
    nFake: r.nFake,
    videos: v.videoIds.length,
    real_acc: r.at05.real,
    fake_acc: r.at05.fake,
  };
  if (r.atThreshold !== undefined) m.acc_at_val_threshold = r.atThreshold.acc;
  return m;
}

const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * One split's frame scores as CSV (`image,label,method,video,score`), so ROC curves, bootstrap intervals and
 * other metrics can be recomputed later without the model (the benchmark grid reads these).
 */
export function scoresCsv(split: DecodedSplit, scores: Float64Array): string {
  if (scores.length !== split.records.length)
    throw new RangeError(
      `scoresCsv: split "${split.name}" has ${split.records.length} records but ${scores.length} scores`,
    );
  const lines = ['image,label,method,video,score'];
  split.records.forEach((r, i) => {
    lines.push(
      [csvField(r.image), String(r.label), csvField(r.method), csvField(r.videoId), String(scores[i])].join(
        ',',
      ),
    );
  });
  return `${lines.join('\n')}\n`;
}

/** The file name of a split's scores under `out/scores/` (`cross:celeb-df` -> `cross_celeb-df.csv`). */
export function scoresFile(split: string): string {
  return `${split.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`;
}
