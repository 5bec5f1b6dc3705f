import type { Rng } from '@cs-dfd/rng';
import { rngFor, Stream } from './seed.js';
import { identityShape, type Shape3, type ShapeParams } from './shape.js';

/** RGB triple, 0..255. */
export type Rgb = readonly [number, number, number];

/** Hair styles the renderer knows. */
export type HairStyle = 'short' | 'long' | 'bald' | 'bun';

/** Everything that stays fixed for one synthetic person. */
export interface Identity {
  /** Index of the identity in its pool. */
  readonly id: number;
  readonly shapeParams: ShapeParams;
  /** Neutral 3-D landmark shape (68 × xyz). */
  readonly neutral: Shape3;
  readonly skin: Rgb;
  /** Strength of the skin's blotch texture (fraction of the base colour). */
  readonly skinTexture: number;
  /** Lattice values of this person's skin texture (value noise). */
  readonly textureTable: Float32Array;
  readonly lip: Rgb;
  readonly iris: Rgb;
  readonly hair: Rgb;
  readonly hairStyle: HairStyle;
  /** Hairline height in canonical units (more negative = higher forehead). */
  readonly hairline: number;
  readonly brow: Rgb;
  /** Brow thickness scale. */
  readonly browThickness: number;
  /** Cheek flush strength (0..1). */
  readonly blush: number;
  readonly shirt: Rgb;
}

const SKIN_LIGHT: Rgb = [236, 196, 170];
const SKIN_DARK: Rgb = [92, 60, 44];
const HAIR: readonly Rgb[] = [
  [28, 22, 20],
  [60, 40, 28],
  [104, 72, 44],
  [176, 140, 92],
  [150, 70, 40],
  [150, 146, 140],
];
const IRIS: readonly Rgb[] = [
  [70, 45, 28],
  [104, 70, 40],
  [70, 110, 150],
  [80, 120, 80],
  [120, 100, 60],
];

function mixRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function jitterRgb(rng: Rng, c: Rgb, amount: number): Rgb {
  return [c[0] + rng.normal(0, amount), c[1] + rng.normal(0, amount), c[2] + rng.normal(0, amount)];
}

/** A lattice table for {@link valueNoise}: 1024 values uniform in [-1, 1]. */
export function noiseTable(rng: Rng, size = 1024): Float32Array {
  const t = new Float32Array(size);
  for (let i = 0; i < size; i++) t[i] = rng.uniform(-1, 1);
  return t;
}

function sampleShapeParams(rng: Rng): ShapeParams {
  const jitter = new Float64Array(68 * 2);
  for (let i = 0; i < 68; i++) {
    // Outline, brows and nose vary freely; lids and lips only slightly, so that they never cross.
    const sd = i >= 36 && i < 48 ? 0 : i >= 48 ? (i >= 60 ? 0 : 0.003) : 0.008;
    jitter[2 * i] = rng.normal(0, sd);
    jitter[2 * i + 1] = rng.normal(0, sd);
  }
  return {
    width: rng.uniform(0.9, 1.06),
    jawLength: rng.uniform(0.9, 1.1),
    jawSquare: rng.uniform(0, 1),
    eyeSize: rng.uniform(0.85, 1.15),
    eyeSpacing: rng.uniform(0.92, 1.08),
    eyeHeight: rng.uniform(-0.04, 0.04),
    eyeTilt: rng.uniform(-0.12, 0.12),
    noseLength: rng.uniform(0.88, 1.12),
    noseWidth: rng.uniform(0.8, 1.25),
    mouthWidth: rng.uniform(0.85, 1.15),
    lipThickness: rng.uniform(0.75, 1.3),
    mouthHeight: rng.uniform(-0.04, 0.04),
    browHeight: rng.uniform(-0.04, 0.04),
    browArch: rng.uniform(0.6, 1.5),
    jitter,
  };
}

/** Samples identity `id` of the pool `pool` (0 = source people, 1 = target people) for a dataset seed. */
export function sampleIdentity(seed: number, pool: number, id: number): Identity {
  const rng = rngFor(seed, Stream.identity, pool, id);
  const shapeParams = sampleShapeParams(rng);
  const tone = rng.next() ** 1.3;
  const skin = jitterRgb(rng, mixRgb(SKIN_LIGHT, SKIN_DARK, tone), 6);
  const lipBase: Rgb = [skin[0] * 0.92 + 14, skin[1] * 0.62, skin[2] * 0.66];
  const hairStyle = rng.choice<HairStyle>(['short', 'short', 'long', 'long', 'bun', 'bald']);
  const hair = jitterRgb(rng, tone > 0.55 ? HAIR[rng.int(0, 1)]! : rng.choice(HAIR), 8);
  const iris = jitterRgb(rng, tone > 0.45 ? IRIS[rng.int(0, 1)]! : rng.choice(IRIS), 6);
  return {
    id,
    shapeParams,
    neutral: identityShape(shapeParams),
    skin,
    skinTexture: rng.uniform(0.03, 0.08),
    textureTable: noiseTable(rng),
    lip: jitterRgb(rng, lipBase, 6),
    iris,
    hair,
    hairStyle,
    hairline: rng.uniform(-0.95, -0.72),
    brow: mixRgb(hair, [20, 16, 14], rng.uniform(0.3, 0.7)),
    browThickness: rng.uniform(0.7, 1.4),
    blush: rng.uniform(0, 1),
    shirt: mixRgb([rng.uniform(20, 230), rng.uniform(20, 230), rng.uniform(20, 230)], [90, 90, 90], 0.35),
  };
}
