import { Rng } from '@cs-dfd/rng';
import { type AugmentOptions, augment, DEFAULT_AUGMENT } from './augment.js';
import { type BadSamplePolicy, DataError, SkipLog } from './errors.js';
import { loadImage } from './image.js';
import { loadLandmarks } from './landmarks.js';
import type { Landmarks, RgbImage, SampleRecord, SourceKind } from './types.js';

/**
 * Makes a fake from a real face and its landmarks (self-blended image). Structurally the signature of
 * `@cs-dfd/forgery`'s SBI; any function of this shape works. Must draw all randomness from `rng`.
 */
export type SynthesizeFn = (
  face: { image: RgbImage; landmarks: Landmarks },
  rng: Rng,
) => RgbImage | Promise<RgbImage>;

/** The two fake sources of CS-DFD. */
export type FakeSource = 'original' | 'synthesized';

/** Options of {@link BatchLoader}. */
export interface BatchLoaderOptions {
  /** Training records; reals and original fakes are told apart by `kind`. */
  readonly records: readonly SampleRecord[];
  /** Reals per step, and fakes per source per step. */
  readonly batchSize: number;
  /** Side of the square images the loader outputs. */
  readonly imageSize: number;
  readonly seed: number;
  /** Sub-batches to build. Default: `['original', 'synthesized']` when `synthesize` is given, else `['original']`. */
  readonly sources?: readonly FakeSource[];
  /** SBI: required for the `synthesized` source (reals must have landmarks). */
  readonly synthesize?: SynthesizeFn;
  /** Augmentations (after synthesis). Default {@link DEFAULT_AUGMENT}; `false` for none (validation). */
  readonly augment?: AugmentOptions | false;
  /** Steps decoded ahead while the trainer works. Default 2. */
  readonly prefetch?: number;
  /** Bad images / landmarks: throw (default) or skip, count, and draw a replacement. */
  readonly onBadSample?: BadSamplePolicy;
  /** Pixel output: float32 in [0, 1] (default, ready for `tf.tensor4d`) or the raw uint8. */
  readonly output?: 'float32' | 'uint8';
}

/** One source's sub-batch: the step's reals followed by that source's fakes, NHWC. */
export interface SubBatch {
  readonly source: FakeSource;
  /** `shape[0] * shape[1] * shape[2] * 3` values, NHWC. */
  readonly images: Float32Array | Uint8Array;
  readonly shape: readonly [number, number, number, 3];
  /** 0 real, 1 fake, one per image. */
  readonly labels: Float32Array;
  readonly kinds: readonly SourceKind[];
  /** Video id of each image (a synthesized fake carries the id of the real frame it was made from). */
  readonly videoIds: readonly string[];
}

/** One training step: a sub-batch per source, sharing the same real frames (CS-DFD's per-source losses). */
export interface Batch {
  readonly step: number;
  readonly sources: Partial<Record<FakeSource, SubBatch>>;
}

interface Loaded {
  image: RgbImage;
  landmarks: Landmarks | undefined;
  record: SampleRecord;
}

/** uint32 mix of (seed, a, b) (murmur3 finaliser): independent per-step, per-slot streams. */
function mix(seed: number, a: number, b: number): number {
  let h = (seed ^ Math.imul(a + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Seeded, resumable batch loader for CS-DFD. Step `s` is a pure function of (records, options, s): each epoch is a
 * seeded permutation of the reals (and of the fakes), each sample's augmentation and SBI draw from a generator
 * keyed by (seed, step, slot). So prefetching, any decode order, and resuming at a step give identical batches.
 *
 * Per step: `batchSize` reals decoded once; the `original` sub-batch is those reals + `batchSize` dataset fakes; the
 * `synthesized` sub-batch is the same reals + SBI of those same real frames (made before augmentation, from the
 * frame and its landmarks). sharp decodes and JPEG-encodes on libuv's thread pool, so the decoding of a prefetched
 * step overlaps the trainer's compute.
 */
export class BatchLoader {
  readonly skipped = new SkipLog();
  private readonly reals: SampleRecord[];
  private readonly fakes: SampleRecord[];
  private readonly sources: readonly FakeSource[];
  private readonly pending = new Map<number, Promise<Batch>>();
  private readonly bad = new Set<string>();
  private nextStep: number;

  constructor(
    private readonly opts: BatchLoaderOptions,
    startStep = 0,
  ) {
    this.reals = opts.records.filter((r) => r.kind === 'real');
    this.fakes = opts.records.filter((r) => r.kind === 'original');
    this.sources = opts.sources ?? (opts.synthesize ? ['original', 'synthesized'] : ['original']);
    for (const [name, v, min] of [
      ['batchSize', opts.batchSize, 1],
      ['imageSize', opts.imageSize, 1],
      ['prefetch', opts.prefetch ?? 2, 0],
    ] as const) {
      if (!Number.isInteger(v) || v < min) {
        throw new DataError('invalid-option', `BatchLoader: ${name} must be an integer >= ${min}, got ${v}`);
      }
    }
    if (this.reals.length === 0)
      throw new DataError('empty-split', 'BatchLoader: no real records to train on');
    if (this.sources.includes('original') && this.fakes.length === 0) {
      throw new DataError(
        'empty-split',
        'BatchLoader: the original source needs fake records, and there are none',
      );
    }
    if (this.sources.includes('synthesized') && !opts.synthesize) {
      throw new DataError(
        'invalid-option',
        'BatchLoader: the synthesized source needs a synthesize function (SBI)',
      );
    }
    this.nextStep = startStep;
  }

  /** The step the next call to {@link next} returns (store it in a checkpoint to resume). */
  get step(): number {
    return this.nextStep;
  }

  /** The next batch; keeps `prefetch` further steps in flight. */
  async next(): Promise<Batch> {
    const s = this.nextStep++;
    for (let k = s; k <= s + (this.opts.prefetch ?? 2); k++) {
      if (!this.pending.has(k)) {
        const built = this.build(k);
        // A prefetched step can fail (a bad file) before anyone awaits it; its error must surface when that step is
        // asked for, not as an unhandled rejection that kills the process from wherever the event loop happens to be.
        built.catch(() => {});
        this.pending.set(k, built);
      }
    }
    const batch = this.pending.get(s)!;
    this.pending.delete(s);
    return batch;
  }

  /**
   * Waits for every prefetched step to settle and forgets them, so the owner can close what the loader uses (a
   * synthesis worker pool) without leaving work in flight. The next {@link next} starts prefetching again.
   */
  async drain(): Promise<void> {
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    await Promise.allSettled(inFlight);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    for (;;) yield await this.next();
  }

  /** Builds step `s` directly (no prefetch), e.g. to inspect it. */
  async build(s: number): Promise<Batch> {
    const B = this.opts.batchSize;
    const needLandmarks = this.sources.includes('synthesized');
    const reals = await Promise.all(
      Array.from({ length: B }, (_, j) => this.loadSlot(this.reals, s, j, 0, needLandmarks)),
    );
    const fakes = this.sources.includes('original')
      ? await Promise.all(Array.from({ length: B }, (_, j) => this.loadSlot(this.fakes, s, j, 1, false)))
      : [];
    const synth = needLandmarks
      ? await Promise.all(
          reals.map(async (r, j) => {
            const rng = new Rng(mix(this.opts.seed, s, 3 * B + j));
            const image = await this.opts.synthesize!({ image: r.image, landmarks: r.landmarks! }, rng);
            return { ...r, image };
          }),
        )
      : [];
    const aug = this.opts.augment === false ? false : (this.opts.augment ?? DEFAULT_AUGMENT);
    const augmentAll = (items: Loaded[], offset: number) =>
      Promise.all(
        items.map((it, j) =>
          aug === false
            ? it.image
            : augment(it.image, new Rng(mix(this.opts.seed, s, offset * B + j + 1e6)), aug),
        ),
      );
    const [realImgs, fakeImgs, synthImgs] = await Promise.all([
      augmentAll(reals, 0),
      augmentAll(fakes, 1),
      augmentAll(synth, 2),
    ]);
    const sources: Partial<Record<FakeSource, SubBatch>> = {};
    for (const source of this.sources) {
      const imgs = source === 'original' ? fakeImgs : synthImgs;
      const items = source === 'original' ? fakes : synth;
      sources[source] = this.pack(
        source,
        [...realImgs, ...imgs],
        [...reals.map((r) => r.record.videoId), ...items.map((r) => r.record.videoId)],
        B,
      );
    }
    return { step: s, sources };
  }

  /** Record for slot j of step s: position s·B + j of the epoch-seeded permutation stream, epochs concatenated. */
  private pick(pool: SampleRecord[], s: number, j: number, stream: number): SampleRecord {
    const pos = s * this.opts.batchSize + j;
    const epoch = Math.floor(pos / pool.length);
    const perm = this.permutation(pool.length, epoch, stream);
    return pool[perm[pos % pool.length]!]!;
  }

  private readonly perms = new Map<string, number[]>();
  private permutation(n: number, epoch: number, stream: number): number[] {
    const key = `${stream}:${epoch}`;
    let p = this.perms.get(key);
    if (!p) {
      p = new Rng(mix(this.opts.seed, epoch, stream + 7)).permutation(n);
      if (this.perms.size > 8) this.perms.clear();
      this.perms.set(key, p);
    }
    return p;
  }

  private async loadSlot(
    pool: SampleRecord[],
    s: number,
    j: number,
    stream: number,
    needLandmarks: boolean,
  ): Promise<Loaded> {
    let record = this.pick(pool, s, j, stream);
    const retry = new Rng(mix(this.opts.seed, s, 2e6 + stream * 1e5 + j));
    for (let attempt = 0; ; attempt++) {
      if (!this.bad.has(record.image)) {
        try {
          return await this.load(record, needLandmarks);
        } catch (e) {
          this.skipped.handle(e, this.opts.onBadSample ?? 'error');
          this.bad.add(record.image);
        }
      }
      if (this.bad.size >= pool.length || attempt > 100) {
        throw new DataError(
          'empty-split',
          `BatchLoader: every ${stream === 0 ? 'real' : 'fake'} sample was skipped as bad`,
        );
      }
      record = pool[retry.int(0, pool.length - 1)]!;
    }
  }

  private async load(record: SampleRecord, needLandmarks: boolean): Promise<Loaded> {
    const size = this.opts.imageSize;
    let landmarks: Landmarks | undefined;
    if (needLandmarks) {
      if (!record.landmarks) {
        throw new DataError('missing-file', `${record.image} has no landmark file; SBI needs 68 landmarks`, {
          file: record.image,
        });
      }
      landmarks = await loadLandmarks(record.landmarks);
    }
    const image = await loadImage(record.image, size);
    if (landmarks) {
      const sx = size / image.sourceWidth;
      const sy = size / image.sourceHeight;
      landmarks = landmarks.map(([x, y]) => [x * sx, y * sy] as const);
    }
    return { image, landmarks, record };
  }

  private pack(source: FakeSource, imgs: RgbImage[], videoIds: string[], B: number): SubBatch {
    const size = this.opts.imageSize;
    const per = size * size * 3;
    const float = (this.opts.output ?? 'float32') === 'float32';
    const images = float ? new Float32Array(imgs.length * per) : new Uint8Array(imgs.length * per);
    imgs.forEach((img, i) => {
      if (float) for (let k = 0; k < per; k++) images[i * per + k] = img.data[k]! / 255;
      else images.set(img.data, i * per);
    });
    const kinds: SourceKind[] = imgs.map((_, i) => (i < B ? 'real' : source));
    return {
      source,
      images,
      shape: [imgs.length, size, size, 3],
      labels: Float32Array.from(kinds, (k) => (k === 'real' ? 0 : 1)),
      kinds,
      videoIds,
    };
  }
}
