import { MetricsError } from './errors.js';
import { checkInputs, type Labels, type Scores } from './inputs.js';

/** Scores aggregated to one per video. */
export interface VideoScores {
  /** Unique video ids in order of first appearance. */
  readonly videoIds: readonly string[];
  readonly labels: Uint8Array;
  /** Mean frame score per video. */
  readonly scores: Float64Array;
  /** Frames that went into each mean. */
  readonly frameCounts: Uint32Array;
}

/**
 * Video-level scores: the mean of frame scores grouped by video id. Ids must be unique across manipulation methods
 * (e.g. `FaceForensics++/Deepfakes/000_003`, not `000_003`); DeepfakeBench groups FF++ frames by folder name, which
 * merges the same-named videos of different methods and their real source into one "video". Frames of one id with
 * different labels throw `label-conflict`, which is how such a merge shows up.
 */
export function videoScores(videoIds: ArrayLike<string>, labels: Labels, scores: Scores): VideoScores {
  const { labels: y, scores: s } = checkInputs('videoScores', labels, scores);
  if (videoIds.length !== s.length) {
    throw new MetricsError(
      'length-mismatch',
      `videoScores: ${videoIds.length} video ids but ${s.length} scores`,
      { field: 'videoIds' },
    );
  }
  const slot = new Map<string, number>();
  const ids: string[] = [];
  const lab: number[] = [];
  const sum: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const id = videoIds[i]!;
    let k = slot.get(id);
    if (k === undefined) {
      k = ids.length;
      slot.set(id, k);
      ids.push(id);
      lab.push(y[i]!);
      sum.push(0);
      count.push(0);
    } else if (lab[k] !== y[i]) {
      throw new MetricsError(
        'label-conflict',
        `videoScores: video "${id}" has frames labelled ${lab[k]} and ${y[i]} (frame ${i}); ` +
          'are ids reused across methods or between real and fake?',
        { index: i, field: 'videoIds' },
      );
    }
    sum[k]! += s[i]!;
    count[k]!++;
  }
  return {
    videoIds: ids,
    labels: Uint8Array.from(lab),
    scores: Float64Array.from(sum, (v, k) => v / count[k]!),
    frameCounts: Uint32Array.from(count),
  };
}
