/** Pieces several families share: landmark subsets, hybrid people, the source families' finish. */

import type { Identity } from '../identity.js';
import type { Canvas } from '../raster.js';
import { identityShape } from '../shape.js';
import { blend, transferColour } from '../traces.js';
import type { FamilyContext } from './family.js';

/** The integers `a..b−1`. */
export function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, k) => a + k);
}

/** A hybrid person: `host`'s head, hair, outline and jaw with `donor`'s appearance inside `inner` landmarks. */
export function hybrid(host: Identity, donor: Identity, inner: readonly number[], skin: boolean): Identity {
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
export function points(xy: Float64Array, idx: readonly number[]): number[] {
  return idx.flatMap((i) => [xy[2 * i]!, xy[2 * i + 1]!]);
}

/** Brow points lifted along the face's up direction by `lift` × (nose length), to keep brows inside masks. */
export function liftedBrows(xy: Float64Array, lift: number): number[] {
  const ux = xy[2 * 27]! - xy[2 * 30]!;
  const uy = xy[2 * 27 + 1]! - xy[2 * 30 + 1]!;
  return range(17, 27).flatMap((i) => [xy[2 * i]! + lift * ux, xy[2 * i + 1]! + lift * uy]);
}

/**
 * The source families' composite: the generator output colour-matched to the captured frame up to the
 * `sharedCue` mismatch, given the opposing high frequencies, and blended into the captured frame by `mask`.
 */
export function blendSourceFake(ctx: FamilyContext, gen: Canvas, mask: Float32Array): Canvas {
  const base = ctx.captured();
  transferColour(gen, base, mask, ctx.options.sharedCue, ctx.cueOffset);
  ctx.sourceFinish(gen);
  return blend(base, gen, mask);
}
