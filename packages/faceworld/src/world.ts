import { capture, compress } from './camera.js';
import { range } from './families/helpers.js';
import { FAMILIES, type FamilyContext, type FamilyLabel, familyIndex, familyOf } from './families/index.js';
import { type Identity, sampleIdentity } from './identity.js';
import { inverseTraceScene } from './inverse.js';
import {
  type Camera,
  type FaceworldOptions,
  FaceworldOptionsError,
  type FaceworldOptionsInput,
  parseOptions,
} from './options.js';
import type { Canvas } from './raster.js';
import { drawScene, type Scene } from './render.js';
import { rngFor, Stream } from './seed.js';
import { ANALYSIS_SIZE, boostHighFrequency } from './traces.js';
import { frameState, sampleTime, sampleVideo, type VideoParams } from './video.js';

/** The split a person belongs to. */
export type Split = 'train' | 'val' | 'test';

/** Which frame to render. */
export interface FrameRequest {
  readonly family: FamilyLabel;
  /** Person id within the family's pool. */
  readonly identity: number;
  /** Clip index, 0..videosPerIdentity-1 (any non-negative integer works for in-memory use). */
  readonly video: number;
  /** Sample index within the clip, 0..frames-1. */
  readonly frame: number;
  /** Donor person for donor families; defaults to the dataset's own choice ({@link Faceworld.donorFor}). */
  readonly donor?: number;
}

/** A finished frame. */
export interface RenderedFrame {
  readonly width: number;
  readonly height: number;
  /** 8-bit RGB, interleaved, after the camera pipeline and JPEG. */
  readonly image: Uint8Array;
  /** 68 landmarks, x,y pairs, dlib's pixel-centre convention ((0, 0) is the centre of the top-left pixel). */
  readonly landmarks: Float64Array;
  /** Manipulation weight per pixel (0..1); all zeros for reals, all ones for whole-frame synthesis. */
  readonly mask: Float32Array;
  /** Region label map of the scene drawn (see `Region`). */
  readonly labels: Uint8Array;
  /** Coverage of the face skin polygon. */
  readonly faceMask: Float32Array;
}

/** The synthetic world: people, clips and frames of every family for one set of options. */
export class Faceworld {
  readonly options: FaceworldOptions;
  /** Source-pool people by split. */
  readonly splits: Readonly<Record<Split, readonly number[]>>;
  private readonly identities = new Map<string, Identity>();
  private readonly videos = new Map<string, VideoParams>();

  constructor(input: FaceworldOptionsInput = {}) {
    this.options = parseOptions(input);
    const n = this.options.identities;
    const order = rngFor(this.options.seed, Stream.split).permutation(n);
    const nTest = Math.max(2, Math.round(0.15 * n));
    const nVal = Math.max(2, Math.round(0.15 * n));
    const byId = (ids: number[]): number[] => ids.sort((a, b) => a - b);
    this.splits = {
      train: byId(order.slice(nTest + nVal)),
      val: byId(order.slice(nTest, nTest + nVal)),
      test: byId(order.slice(0, nTest)),
    };
  }

  /** Number of people in a pool. */
  poolSize(pool: 0 | 1): number {
    return pool === 0 ? this.options.identities : this.options.targetIdentities;
  }

  /** The split of a person of a pool (the target pool is test only). */
  splitOf(pool: 0 | 1, id: number): Split {
    if (pool === 1) return 'test';
    for (const s of ['train', 'val', 'test'] as const) if (this.splits[s].includes(id)) return s;
    throw new FaceworldOptionsError('identity', `no source person ${id}`, id);
  }

  /** A person (cached). */
  identity(pool: 0 | 1, id: number): Identity {
    const key = `${pool}:${id}`;
    let p = this.identities.get(key);
    if (!p) this.identities.set(key, (p = sampleIdentity(this.options.seed, pool, id)));
    return p;
  }

  /** A clip (cached). */
  video(pool: 0 | 1, id: number, index: number): VideoParams {
    const key = `${pool}:${id}:${index}`;
    let v = this.videos.get(key);
    if (!v) this.videos.set(key, (v = sampleVideo(this.options.seed, this.identity(pool, id), pool, index)));
    return v;
  }

  /** Drops cached people and clips (a long generation calls this between people). */
  clearCache(): void {
    this.identities.clear();
    this.videos.clear();
  }

  /** The donor another person of the same split provides for a donor family's clip. */
  donorFor(family: FamilyLabel, id: number, video: number): number {
    const info = FAMILIES[family];
    const pool = info.pool;
    const peers =
      pool === 1 ? range(0, this.options.targetIdentities) : [...this.splits[this.splitOf(pool, id)]];
    const others = peers.filter((p) => p !== id);
    return rngFor(this.options.seed, Stream.donor, pool, id, video, familyIndex(family)).choice(others);
  }

  private camera(family: FamilyLabel): Camera {
    return FAMILIES[family].pool === 0 ? this.options.sourceCamera : this.options.targetCamera;
  }

  /** Renders one frame of any family, through its camera pipeline and JPEG. */
  async renderFrame(req: FrameRequest): Promise<RenderedFrame> {
    const { family, identity: id, video: v, frame: k } = req;
    const info = familyOf(family);
    if (info === undefined) throw new FaceworldOptionsError('family', 'unknown family', family);
    const pool = info.pool;
    if (!Number.isInteger(id) || id < 0 || id >= this.poolSize(pool))
      throw new FaceworldOptionsError('identity', `must be an integer in 0..${this.poolSize(pool) - 1}`, id);
    if (!Number.isInteger(v) || v < 0)
      throw new FaceworldOptionsError('video', 'must be a non-negative integer', v);
    if (!Number.isInteger(k) || k < 0 || k >= this.options.frames)
      throw new FaceworldOptionsError('frame', `must be an integer in 0..${this.options.frames - 1}`, k);
    const o = this.options;
    const size = o.size;
    const person = this.identity(pool, id);
    const clip = this.video(pool, id, v);
    const t = sampleTime(k, o.frames);
    const state = frameState(o.seed, clip, t, size);
    const scene = drawScene(person, clip, state, size);
    const camera = this.camera(family);
    const captured = (): Canvas =>
      capture(scene.canvas, camera, rngFor(o.seed, Stream.camera, pool, id, v, t));
    const fx = rngFor(o.seed, Stream.forgery, pool, id, v, familyIndex(family), t);
    const clipFx = rngFor(o.seed, Stream.forgery, pool, id, v, familyIndex(family));
    const scale = size / ANALYSIS_SIZE;
    const donorId = info.donor ? (req.donor ?? this.donorFor(family, id, v)) : id;
    if (
      info.donor &&
      (!Number.isInteger(donorId) || donorId < 0 || donorId >= this.poolSize(pool) || donorId === id)
    )
      throw new FaceworldOptionsError('donor', `must be another person of pool ${pool}`, donorId);
    const donor = this.identity(pool, donorId);
    // Source generators share these knobs: the blend cue SBI also creates, and high frequencies that oppose it.
    const feather = (size / 96) * (4 - 3.5 * o.sharedCue);
    const offset: [number, number, number] = [clipFx.normal(0, 1), clipFx.normal(0, 1), clipFx.normal(0, 1)];
    const norm = Math.hypot(...offset) || 1;
    const cueOffset = offset.map((c) => (c / norm) * 16 * o.sharedCue) as [number, number, number];
    const sourceFinish = (g: Canvas): void => {
      if (o.opposingTrace > 0) boostHighFrequency(g, 2 * o.opposingTrace, 8 * o.opposingTrace, fx);
    };
    // inverseTrace (DESIGN §8's conflicting-regime candidate) replaces every source family's manipulation.
    const inverse =
      info.role === 'source' && o.inverseTrace !== undefined
        ? inverseTraceScene(scene, o.inverseTrace)
        : null;
    if (inverse !== null)
      return this.finish(
        capture(inverse.canvas, camera, rngFor(o.seed, Stream.camera, pool, id, v, t)),
        camera,
        scene,
        inverse.mask,
      );
    const ctx: FamilyContext = {
      options: o,
      size,
      scale,
      person,
      donor,
      clip,
      state,
      scene,
      camera,
      captured,
      fx,
      feather,
      cueOffset,
      sourceFinish,
      drivingExpression: () => frameState(o.seed, this.video(pool, donorId, v), t, size).expression,
    };
    const out = info.render(ctx);
    return this.finish(out.canvas, camera, out.scene ?? scene, out.mask ?? new Float32Array(size * size));
  }

  /** JPEG through the camera and landmarks in dlib's pixel-centre convention. */
  private async finish(
    canvas: Canvas,
    camera: Camera,
    g: Pick<Scene, 'landmarks' | 'labels' | 'faceMask'>,
    mask: Float32Array,
  ): Promise<RenderedFrame> {
    const image = await compress(canvas, camera);
    const centred = new Float64Array(g.landmarks.length);
    for (let i = 0; i < g.landmarks.length; i++) centred[i] = g.landmarks[i]! - 0.5;
    const { width, height } = canvas;
    return { width, height, image, landmarks: centred, mask, labels: g.labels, faceMask: g.faceMask };
  }
}
