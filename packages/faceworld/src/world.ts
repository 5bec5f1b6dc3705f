import { capture, compress } from './camera.js';
import { FAMILIES, type FamilyLabel, familyIndex } from './families.js';
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
import { identityShape } from './shape.js';
import {
  ANALYSIS_SIZE,
  addPattern,
  bilinearResample,
  blend,
  blockUpsample,
  boostHighFrequency,
  convexHull,
  dilatePolygon,
  posterise,
  softMask,
  transferColour,
} from './traces.js';
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

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, k) => a + k);
}

/** A hybrid person: `host`'s head, hair, outline and jaw with `donor`'s appearance inside `inner` landmarks. */
function hybrid(host: Identity, donor: Identity, inner: readonly number[], skin: boolean): Identity {
  const params = { ...host.shapeParams, jitter: new Float64Array(host.shapeParams.jitter) };
  // Donor's inner proportions, host's outline: swap the per-group parameters and jitter of the inner points.
  const dp = donor.shapeParams;
  const mixed = {
    ...params,
    eyeSize: dp.eyeSize,
    eyeSpacing: dp.eyeSpacing,
    eyeHeight: dp.eyeHeight,
    eyeTilt: dp.eyeTilt,
    noseLength: dp.noseLength,
    noseWidth: dp.noseWidth,
    browHeight: dp.browHeight,
    browArch: dp.browArch,
    ...(inner.includes(48)
      ? { mouthWidth: dp.mouthWidth, lipThickness: dp.lipThickness, mouthHeight: dp.mouthHeight }
      : {}),
  };
  for (const i of inner) {
    mixed.jitter[2 * i] = dp.jitter[2 * i]!;
    mixed.jitter[2 * i + 1] = dp.jitter[2 * i + 1]!;
  }
  return {
    ...host,
    shapeParams: mixed,
    neutral: identityShape(mixed),
    iris: donor.iris,
    brow: donor.brow,
    browThickness: donor.browThickness,
    ...(skin
      ? {
          skin: donor.skin,
          skinTexture: donor.skinTexture,
          textureTable: donor.textureTable,
          blush: donor.blush,
          lip: donor.lip,
        }
      : {}),
  };
}

/** Image-space landmark subset as x,y pairs. */
function points(xy: Float64Array, idx: readonly number[]): number[] {
  return idx.flatMap((i) => [xy[2 * i]!, xy[2 * i + 1]!]);
}

/** Brow points lifted along the face's up direction by `lift` × (nose length), to keep brows inside masks. */
function liftedBrows(xy: Float64Array, lift: number): number[] {
  const ux = xy[2 * 27]! - xy[2 * 30]!;
  const uy = xy[2 * 27 + 1]! - xy[2 * 30 + 1]!;
  return range(17, 27).flatMap((i) => [xy[2 * i]! + lift * ux, xy[2 * i + 1]! + lift * uy]);
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
    const info = FAMILIES[family];
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
    const zeros: Float32Array = new Float32Array(size * size);
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

    let canvas: Canvas;
    let landmarks = scene.landmarks;
    let mask: Float32Array = zeros;
    let labels = scene.labels;
    let faceMask = scene.faceMask;
    const take = (g: Scene): void => {
      landmarks = g.landmarks;
      labels = g.labels;
      faceMask = g.faceMask;
    };
    const drivingExpression = () => {
      const driver = this.video(pool, donorId, v);
      return frameState(o.seed, driver, t, size).expression;
    };
    switch (family) {
      case 'FW_real':
      case 'FWT_real':
        canvas = captured();
        break;
      case 'FW_swap': {
        const inner = range(17, 68);
        const g = drawScene(hybrid(person, donor, inner, true), clip, state, size);
        const hull = convexHull([
          ...liftedBrows(g.landmarks, 0.35),
          ...points(dilatePolygon(Float64Array.from(points(g.landmarks, range(2, 15))), 0.9), range(0, 13)),
          ...points(g.landmarks, inner),
        ]);
        mask = softMask(size, [hull], feather);
        const gen = blockUpsample(g.canvas, Math.max(2, Math.round(2 * scale)));
        const base = captured();
        transferColour(gen, base, mask, o.sharedCue, cueOffset);
        sourceFinish(gen);
        canvas = blend(base, gen, mask);
        take(g);
        break;
      }
      case 'FW_reenact':
      case 'FW_mouth': {
        const drive = drivingExpression();
        const mouthOnly = family === 'FW_mouth';
        const expr = mouthOnly
          ? { ...state.expression, mouthOpen: drive.mouthOpen, smile: drive.smile }
          : {
              ...state.expression,
              mouthOpen: drive.mouthOpen,
              smile: drive.smile,
              blink: drive.blink,
              browRaise: drive.browRaise,
            };
        const g = drawScene(person, clip, { ...state, expression: expr }, size);
        // Masks cover the component in both the original and the re-rendered frame, so no old feature shows.
        const both = (idx: readonly number[], grow: number): Float64Array =>
          dilatePolygon(convexHull([...points(scene.landmarks, idx), ...points(g.landmarks, idx)]), grow);
        const polys = [both(range(48, 68), 1.45)];
        if (!mouthOnly) {
          const browsEyes = (a: number, b: number, c: number, d: number): Float64Array =>
            dilatePolygon(
              convexHull([
                ...points(scene.landmarks, range(a, b)),
                ...points(g.landmarks, range(a, b)),
                ...points(scene.landmarks, range(c, d)),
                ...points(g.landmarks, range(c, d)),
                ...liftedBrows(g.landmarks, 0.15).slice((a - 17) * 2, (b - 17) * 2),
              ]),
              1.25,
            );
          polys.push(browsEyes(17, 22, 36, 42), browsEyes(22, 27, 42, 48));
        }
        mask = softMask(size, polys, feather);
        let gen: Canvas;
        if (mouthOnly) {
          gen = g.canvas;
          posterise(gen, 10);
          const p = Math.max(2, Math.round(2 * scale));
          addPattern(gen, 4, (x, y) => (x % p === 0 && y % p === 0 ? 1 : -0.25));
        } else {
          gen = bilinearResample(g.canvas, 1);
          const period = 4 * scale;
          addPattern(gen, 3, (x, y) => Math.cos((2 * Math.PI * (x + y)) / period));
        }
        const base = captured();
        transferColour(gen, base, mask, o.sharedCue, cueOffset);
        sourceFinish(gen);
        canvas = blend(base, gen, mask);
        take(g);
        break;
      }
      case 'FWT_swap': {
        const inner = range(17, 68);
        const g = drawScene(hybrid(person, donor, inner, true), clip, state, size);
        // An ellipse around the inner face: centred between brows and chin, aligned with the nose axis.
        const xy = g.landmarks;
        const cx = (xy[2 * 27]! + xy[2 * 57]!) / 2;
        const cy = (xy[2 * 27 + 1]! + xy[2 * 57 + 1]!) / 2 - 0.05 * size;
        const ax = xy[2 * 57]! - xy[2 * 27]!;
        const ay = xy[2 * 57 + 1]! - xy[2 * 27 + 1]!;
        const len = Math.hypot(ax, ay);
        const angle = Math.atan2(ay, ax) - Math.PI / 2;
        const rx = 0.55 * Math.hypot(xy[2 * 16]! - xy[0]!, xy[2 * 16 + 1]! - xy[1]!) * 0.8;
        const ry = 0.95 * len;
        const ellipse = Float64Array.from(
          range(0, 32).flatMap((j) => {
            const a = (2 * Math.PI * j) / 32;
            const ex = rx * Math.cos(a);
            const ey = ry * Math.sin(a);
            return [
              cx + Math.cos(angle) * ex - Math.sin(angle) * ey,
              cy + Math.sin(angle) * ex + Math.cos(angle) * ey,
            ];
          }),
        );
        mask = softMask(size, [ellipse], (2 * size) / 96, 1.5);
        const gen = bilinearResample(g.canvas, Math.max(2, Math.round(2 * scale)));
        const base = captured();
        transferColour(gen, base, mask, 0.35, [0, 0, 0]);
        canvas = blend(base, gen, mask);
        take(g);
        break;
      }
      case 'FWT_partial': {
        const inner = range(17, 48);
        const g = drawScene(hybrid(person, donor, inner, true), clip, state, size);
        const band = dilatePolygon(
          convexHull([
            ...liftedBrows(g.landmarks, 0.2),
            ...points(g.landmarks, range(27, 48)),
            ...points(scene.landmarks, range(27, 48)),
          ]),
          1.12,
        );
        mask = softMask(size, [band], (0.8 * size) / 96, 1.3);
        const gen = bilinearResample(g.canvas, 1);
        const period = 6 * scale;
        addPattern(gen, 3, (x) => Math.cos((2 * Math.PI * x) / period));
        const base = captured();
        transferColour(gen, base, mask, 0.5, [0, 0, 0]);
        canvas = blend(base, gen, mask);
        take(g);
        break;
      }
      case 'FWT_synth': {
        // No camera ever saw this frame: tone only, no optics or sensor noise; the generator's own grid instead.
        const toned = capture(scene.canvas, { ...camera, blur: 0, noise: 0 }, fx);
        const gen = bilinearResample(toned, Math.max(2, Math.round(2 * scale)));
        const period = 8 * scale;
        addPattern(
          gen,
          2.5,
          (x, y) => Math.cos((2 * Math.PI * x) / period) * Math.cos((2 * Math.PI * y) / period),
        );
        canvas = gen;
        mask = new Float32Array(size * size).fill(1);
        break;
      }
      default: {
        const never: never = family;
        throw new FaceworldOptionsError('family', 'unknown family', never);
      }
    }
    return this.finish(canvas, camera, { landmarks, labels, faceMask }, mask);
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
