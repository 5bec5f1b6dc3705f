import { type DatasetName, FAMILIES, FAMILY_LABELS, type FamilyLabel } from './families/index.js';
import type { Faceworld, Split } from './world.js';

/** One clip to write. */
export interface VideoJob {
  readonly dataset: DatasetName;
  readonly label: FamilyLabel;
  readonly split: Split;
  /** DeepfakeBench compression key, or null where the dataset has none (the target dataset, like Celeb-DF). */
  readonly compression: 'c23' | null;
  readonly pool: 0 | 1;
  readonly identity: number;
  readonly video: number;
  readonly donor: number | null;
  /** Unique across every label of both datasets (DeepfakeBench would otherwise merge same-named clips). */
  readonly videoId: string;
}

function personId(pool: 0 | 1, id: number): string {
  return `${pool === 0 ? 's' : 't'}${String(id).padStart(4, '0')}`;
}

/** Every clip of the dataset, in the order the index lists them. */
export function planDataset(world: Faceworld): VideoJob[] {
  const o = world.options;
  const jobs: VideoJob[] = [];
  for (const label of FAMILY_LABELS) {
    const info = FAMILIES[label];
    const pool = info.pool;
    for (let id = 0; id < world.poolSize(pool); id++) {
      for (let v = 0; v < o.videosPerIdentity; v++) {
        const donor = info.donor ? world.donorFor(label, id, v) : null;
        const who = `${personId(pool, id)}_${v}${donor === null ? '' : `_${personId(pool, donor)}`}`;
        jobs.push({
          dataset: info.dataset,
          label,
          split: world.splitOf(pool, id),
          compression: pool === 0 ? 'c23' : null,
          pool,
          identity: id,
          video: v,
          donor,
          videoId: `${label.toLowerCase()}_${who}`,
        });
      }
    }
  }
  return jobs;
}

/** Frame image path of a clip, relative to the output root (DeepfakeBench's rgb_dir). */
export function framePath(job: VideoJob, frame: number): string {
  return `${job.dataset}/${job.label}/frames/${job.videoId}/${String(frame).padStart(3, '0')}.png`;
}

/** Landmark path that mirrors a frame path (DeepfakeBench's `frames` -> `landmarks` convention, JSON here). */
export function landmarkPathFor(frame: string): string {
  return frame.replace('/frames/', '/landmarks/').replace(/\.png$/, '.json');
}

/** Manipulation-mask path that mirrors a frame path (fakes only; `frames` -> `masks`). */
export function maskPathFor(frame: string): string {
  return frame.replace('/frames/', '/masks/');
}
