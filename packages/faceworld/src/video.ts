import type { Rng } from '@cs-dfd/rng';
import { type Identity, noiseTable, type Rgb } from './identity.js';
import { rngFor, Stream } from './seed.js';
import type { Expression, Pose } from './shape.js';

/** Raw frames in one synthetic clip (10 s at 25 fps); the dataset samples `frames` of them evenly. */
export const CLIP_FRAMES = 250;
const FPS = 25;

/** Light at one instant, in camera coordinates (x right, y down, z toward the camera). */
export interface Light {
  /** Unit direction the light comes from. */
  readonly dir: readonly [number, number, number];
  /** Ambient term (light reaching every surface). */
  readonly ambient: number;
  /** Diffuse (Lambertian) term's strength. */
  readonly diffuse: number;
  /** Colour of the light. */
  readonly tint: Rgb;
}

/** Fixed per-clip parameters: scene, base pose, motion and expression dynamics. */
export interface VideoParams {
  /** Identity's pool and id, and the clip index. */
  readonly pool: number;
  readonly identity: number;
  readonly index: number;
  readonly background: {
    readonly top: Rgb;
    readonly bottom: Rgb;
    readonly blob: number;
    readonly blobScale: number;
    readonly table: Float32Array;
  };
  /** Base pose (scale and centre as fractions of the frame side). */
  readonly pose: {
    readonly yaw: number;
    readonly pitch: number;
    readonly roll: number;
    readonly scale: number;
    readonly cx: number;
    readonly cy: number;
  };
  /** Head motion amplitudes (radians, fraction of the side) and angular frequencies (rad/s) with phases. */
  readonly motion: readonly { readonly amp: number; readonly freq: number; readonly phase: number }[];
  readonly talk: {
    readonly amp: number;
    readonly freq: number;
    readonly phase: number;
    readonly bias: number;
  };
  readonly smile: {
    readonly base: number;
    readonly amp: number;
    readonly freq: number;
    readonly phase: number;
  };
  readonly brow: { readonly amp: number; readonly freq: number; readonly phase: number };
  /** Raw-frame times of blinks. */
  readonly blinks: readonly number[];
  readonly gaze: readonly [number, number];
  readonly light: Light;
}

/** Everything that varies frame to frame. */
export interface FrameState {
  /** Raw-frame index within the clip. */
  readonly t: number;
  readonly pose: Pose;
  readonly expression: Expression;
  readonly light: Light;
  readonly gaze: readonly [number, number];
}

function randomLight(rng: Rng): Light {
  const az = rng.uniform(-1.1, 1.1);
  const el = rng.uniform(-0.7, 0.3);
  const dir: [number, number, number] = [
    Math.sin(az) * Math.cos(el),
    Math.sin(el),
    Math.cos(az) * Math.cos(el),
  ];
  const warm = rng.uniform(-1, 1);
  return {
    dir,
    ambient: rng.uniform(0.35, 0.55),
    diffuse: rng.uniform(0.45, 0.75),
    tint: [1 + 0.06 * warm, 1, 1 - 0.08 * warm],
  };
}

/** Samples clip `index` of an identity. */
export function sampleVideo(seed: number, identity: Identity, pool: number, index: number): VideoParams {
  const rng = rngFor(seed, Stream.video, pool, identity.id, index);
  // Rooms are muted: random hues pulled halfway to a random grey.
  const grey = rng.uniform(60, 200);
  const base: Rgb = [
    0.5 * grey + 0.5 * rng.uniform(30, 220),
    0.5 * grey + 0.5 * rng.uniform(30, 220),
    0.5 * grey + 0.5 * rng.uniform(30, 220),
  ];
  const shade = rng.uniform(0.55, 0.95);
  const motion = Array.from({ length: 5 }, (_, k) => ({
    amp: [0.22, 0.1, 0.07, 0.02, 0.015][k]! * rng.uniform(0.2, 1),
    freq: rng.uniform(0.3, 1.6),
    phase: rng.uniform(0, 2 * Math.PI),
  }));
  const blinks: number[] = [];
  for (let t = rng.uniform(0, 60); t < CLIP_FRAMES; t += rng.uniform(40, 110)) blinks.push(t);
  return {
    pool,
    identity: identity.id,
    index,
    background: {
      top: base,
      bottom: [base[0] * shade, base[1] * shade, base[2] * shade],
      blob: rng.uniform(8, 40),
      blobScale: rng.uniform(2, 7),
      table: noiseTable(rng, 256),
    },
    pose: {
      yaw: rng.uniform(-0.35, 0.35),
      pitch: rng.uniform(-0.15, 0.15),
      roll: rng.uniform(-0.12, 0.12),
      scale: rng.uniform(0.25, 0.31),
      cx: rng.uniform(0.45, 0.55),
      cy: rng.uniform(0.44, 0.52),
    },
    motion,
    talk: {
      amp: rng.uniform(0.3, 1),
      freq: rng.uniform(5, 11),
      phase: rng.uniform(0, 2 * Math.PI),
      bias: rng.uniform(-0.4, 0.1),
    },
    smile: {
      base: rng.uniform(-0.2, 0.6),
      amp: rng.uniform(0, 0.4),
      freq: rng.uniform(0.2, 0.8),
      phase: rng.uniform(0, 2 * Math.PI),
    },
    brow: { amp: rng.uniform(0, 0.8), freq: rng.uniform(0.3, 1.2), phase: rng.uniform(0, 2 * Math.PI) },
    blinks,
    gaze: [rng.uniform(-0.05, 0.05), rng.uniform(-0.02, 0.02)],
    light: randomLight(rng),
  };
}

/** Raw-frame index of the `k`-th of `count` evenly spaced samples (linspace over the clip, as DeepfakeBench). */
export function sampleTime(k: number, count: number): number {
  return count <= 1 ? 0 : Math.round((k * (CLIP_FRAMES - 1)) / (count - 1));
}

/**
 * The state of raw frame `t` of a clip at side `size`. Motion is a smooth function of time; `jitter` adds the
 * per-frame lighting flicker and small pose tremor (seeded by frame, so any frame renders alone).
 */
export function frameState(
  seed: number,
  video: VideoParams,
  t: number,
  size: number,
  expressionOverride?: Partial<Expression>,
): FrameState {
  const rng = rngFor(seed, Stream.frame, video.pool, video.identity, video.index, t);
  const s = t / FPS;
  const wave = (k: number): number => {
    const m = video.motion[k]!;
    return m.amp * Math.sin(m.freq * s + m.phase);
  };
  const p = video.pose;
  const pose: Pose = {
    yaw: p.yaw + wave(0) + rng.normal(0, 0.01),
    pitch: p.pitch + wave(1) + rng.normal(0, 0.01),
    roll: p.roll + wave(2) + rng.normal(0, 0.008),
    scale: size * p.scale * (1 + 0.5 * wave(4)),
    cx: size * (p.cx + wave(3)),
    cy: size * (p.cy + 0.7 * wave(4)),
  };
  const tk = video.talk;
  const open = Math.max(
    0,
    Math.min(
      1,
      tk.bias + tk.amp * (0.6 * Math.sin(tk.freq * s + tk.phase) + 0.4 * Math.sin(2.3 * tk.freq * s)),
    ),
  );
  let blink = 0;
  for (const b of video.blinks) blink = Math.max(blink, Math.max(0, 1 - Math.abs(t - b) / 3));
  const sm = video.smile;
  const expression: Expression = {
    mouthOpen: open,
    jawOpen: open,
    smile: sm.base + sm.amp * Math.sin(sm.freq * s + sm.phase),
    blink,
    browRaise: video.brow.amp * Math.sin(video.brow.freq * s + video.brow.phase),
    ...expressionOverride,
  };
  const l = video.light;
  const flicker = 1 + rng.normal(0, 0.02);
  const light: Light = { ...l, ambient: l.ambient * flicker, diffuse: l.diffuse * flicker };
  return { t, pose, expression, light, gaze: video.gaze };
}
