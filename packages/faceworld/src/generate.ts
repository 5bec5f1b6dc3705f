import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { writeVideo } from './encode.js';
import { DATASETS, FAMILIES, FAMILY_LABELS } from './families/index.js';
import { type FaceworldOptions, type FaceworldOptionsInput, parseOptions } from './options.js';
import { planDataset, type VideoJob } from './plan.js';
import { type DeepfakeBenchIndex, validateIndex } from './schema.js';
import { ANALYSIS_SIZE } from './traces.js';
import { Faceworld } from './world.js';

/** Version of the generator's output; bump when the same options would draw different pixels. */
export const GENERATOR_VERSION = '1';

/** Progress of a generation run, in frames. */
export interface Progress {
  readonly done: number;
  readonly total: number;
}

/** How to run a generation. */
export interface GenerateRun {
  /** Output root (created). */
  readonly out: string;
  /**
   * Worker threads (0 = in this thread). Defaults to min(2, cores) when the compiled worker is available, else 0.
   * The output does not depend on it.
   */
  readonly workers?: number;
  /** Clips in flight per thread, so rendering overlaps libvips encoding (default 3). */
  readonly lanes?: number;
  readonly onProgress?: (p: Progress) => void;
}

/** What a run wrote. */
export interface GenerateResult {
  /** Index file per dataset, absolute. */
  readonly indexes: Record<string, string>;
  /** Metadata file, absolute. */
  readonly meta: string;
  readonly videos: number;
  readonly frames: number;
  readonly seconds: number;
  readonly workers: number;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** Whether the compiled worker script sits next to this module (false when running from TypeScript sources). */
export function workerAvailable(): boolean {
  return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
}

async function runLanes(
  jobs: readonly VideoJob[],
  lanes: number,
  work: (job: VideoJob) => Promise<string[]>,
  results: Map<string, string[]>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, lanes) }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        results.set(job.videoId, await work(job));
      }
    }),
  );
}

async function runWorkers(
  options: FaceworldOptions,
  out: string,
  jobs: readonly VideoJob[],
  workers: number,
  lanes: number,
  onFrame: () => void,
  results: Map<string, string[]>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, () => {
      const worker = new Worker(WORKER_URL, { workerData: { options, out, lanes } });
      return new Promise<void>((resolve, reject) => {
        let inFlight = 0;
        const feed = (): void => {
          while (inFlight < lanes && next < jobs.length) {
            worker.postMessage(jobs[next++]!);
            inFlight++;
          }
          if (inFlight === 0) void worker.terminate().then(() => resolve());
        };
        worker.on(
          'message',
          (m: { kind: 'frame' } | { kind: 'video'; videoId: string; frames: string[] }) => {
            if (m.kind === 'frame') return onFrame();
            results.set(m.videoId, m.frames);
            inFlight--;
            feed();
          },
        );
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (inFlight > 0)
            reject(new Error(`faceworld: worker exited with code ${code} and ${inFlight} clips in flight`));
        });
        feed();
      });
    }),
  );
}

/** Builds the DeepfakeBench indexes from the plan and the frame paths written. */
export function buildIndexes(
  jobs: readonly VideoJob[],
  frames: ReadonlyMap<string, readonly string[]>,
): Record<string, DeepfakeBenchIndex> {
  const out: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
  for (const job of jobs) {
    const ds = (out[job.dataset] ??= {});
    const label = (ds[job.label] ??= {});
    const split = (label[job.split] ??= {});
    const videos = (job.compression ? (split[job.compression] ??= {}) : split) as Record<string, unknown>;
    const paths = frames.get(job.videoId);
    if (!paths) throw new Error(`faceworld: clip ${job.videoId} was not written`);
    videos[job.videoId] = { label: job.label, frames: [...paths] };
  }
  const indexes: Record<string, DeepfakeBenchIndex> = {};
  for (const [name, body] of Object.entries(out))
    indexes[name] = validateIndex({ [name]: body }, `${name}.json`);
  return indexes;
}

/** The metadata file: marks the data SYNTHETIC and records options, families, label_dict and layout. */
export function buildMeta(world: Faceworld, jobs: readonly VideoJob[]): Record<string, unknown> {
  const counts: Record<string, Record<string, number>> = {};
  for (const j of jobs) {
    const c = (counts[j.label] ??= {});
    c[j.split] = (c[j.split] ?? 0) + world.options.frames;
  }
  return {
    synthetic: true,
    notice:
      'SYNTHETIC procedural faces drawn by @cs-dfd/faceworld. No real person appears; not a substitute for real deepfake data.',
    generator: '@cs-dfd/faceworld',
    generatorVersion: GENERATOR_VERSION,
    options: world.options,
    frameSize: world.options.size,
    analysisSize: ANALYSIS_SIZE,
    datasets: Object.fromEntries(
      Object.values(DATASETS).map((d) => [
        d,
        { index: `dataset_json/${d}.json`, labels: FAMILY_LABELS.filter((l) => FAMILIES[l].dataset === d) },
      ]),
    ),
    labelDict: Object.fromEntries(FAMILY_LABELS.map((l) => [l, FAMILIES[l].target])),
    families: FAMILIES,
    splits: world.splits,
    frameCounts: counts,
    layout: {
      frames: '<dataset>/<label>/frames/<videoId>/<NNN>.png (paths in the index are relative to this folder)',
      landmarks:
        '<dataset>/<label>/landmarks/<videoId>/<NNN>.json: 68 [x, y] pairs, dlib order, pixel centres at integers',
      masks: '<dataset>/<label>/masks/<videoId>/<NNN>.png: manipulation weight, fakes only',
    },
  };
}

/**
 * Generates the whole dataset under `run.out`: frames, landmarks and masks, `dataset_json/faceworld-source.json`,
 * `dataset_json/faceworld-target.json` and `faceworld.json` (metadata). Same options -> byte-identical files,
 * whatever the number of workers.
 */
export async function generateDataset(
  input: FaceworldOptionsInput,
  run: GenerateRun,
): Promise<GenerateResult> {
  const started = performance.now();
  const options = parseOptions(input);
  const world = new Faceworld(options);
  const jobs = planDataset(world);
  const total = jobs.length * options.frames;
  let done = 0;
  const onFrame = (): void => {
    done++;
    run.onProgress?.({ done, total });
  };
  await mkdir(run.out, { recursive: true });
  const lanes = run.lanes ?? 3;
  const workers = run.workers ?? (workerAvailable() ? Math.min(2, availableParallelism()) : 0);
  const frames = new Map<string, string[]>();
  if (workers > 0) {
    if (!workerAvailable())
      throw new Error(`faceworld: worker script ${fileURLToPath(WORKER_URL)} not built`);
    await runWorkers(options, run.out, jobs, workers, lanes, onFrame, frames);
  } else {
    await runLanes(jobs, lanes, (job) => writeVideo(world, job, run.out, onFrame), frames);
  }
  const indexes = buildIndexes(jobs, frames);
  const indexFiles: Record<string, string> = {};
  await mkdir(join(run.out, 'dataset_json'), { recursive: true });
  for (const [name, index] of Object.entries(indexes)) {
    const file = join(run.out, 'dataset_json', `${name}.json`);
    await writeFile(file, `${JSON.stringify(index, null, 2)}\n`);
    indexFiles[name] = file;
  }
  const meta = join(run.out, 'faceworld.json');
  await writeFile(meta, `${JSON.stringify(buildMeta(world, jobs), null, 2)}\n`);
  return {
    indexes: indexFiles,
    meta,
    videos: jobs.length,
    frames: total,
    seconds: (performance.now() - started) / 1000,
    workers,
  };
}
