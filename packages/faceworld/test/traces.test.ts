import { describe, expect, it } from 'vitest';
import { Faceworld, type FamilyLabel, Region, type RenderedFrame } from '../src/index.js';

/** Skin pixels (in both frames) inside the fake's mask: feature edges would swamp the trace. */
function skinInMask(fake: RenderedFrame, real: RenderedFrame): Float32Array {
  return fake.mask.map((m, i) =>
    m > 0.5 && fake.labels[i] === Region.skin && real.labels[i] === Region.skin ? 1 : 0,
  );
}

/** Mean squared 4-neighbour Laplacian of luminance where `weight` > 0.5: a hand-crafted high-frequency feature. */
function highFrequency(image: Uint8Array, weight: Float32Array, size: number): number {
  const lum = (x: number, y: number): number => {
    const o = 3 * (y * size + x);
    return 0.299 * image[o]! + 0.587 * image[o + 1]! + 0.114 * image[o + 2]!;
  };
  let s = 0;
  let n = 0;
  for (let y = 1; y < size - 1; y++)
    for (let x = 1; x < size - 1; x++) {
      if (weight[y * size + x]! <= 0.5) continue;
      const l = 4 * lum(x, y) - lum(x - 1, y) - lum(x + 1, y) - lum(x, y - 1) - lum(x, y + 1);
      s += l * l;
      n++;
    }
  return s / Math.max(1, n);
}

/**
 * Fraction of clips/frames where the fake has more high-frequency energy than the real it was made from,
 * measured inside the fake's manipulation mask (the real and the fake share everything else).
 */
async function sharperFraction(world: Faceworld, family: FamilyLabel, n: number): Promise<number> {
  let wins = 0;
  for (let i = 0; i < n; i++) {
    const req = { identity: i % 6, video: Math.floor(i / 6), frame: i % 4 };
    const fake = await world.renderFrame({ family, ...req });
    const real = await world.renderFrame({ family: 'FW_real', ...req });
    const w = skinInMask(fake, real);
    if (highFrequency(fake.image, w, fake.width) > highFrequency(real.image, w, real.width)) wins++;
  }
  return wins / n;
}

describe('forgery traces', () => {
  it('in the default regime, every source family adds high-frequency energy inside its mask', async () => {
    const world = new Faceworld({ seed: 3, identities: 6, targetIdentities: 2, frames: 4, size: 64 });
    for (const family of ['FW_swap', 'FW_reenact', 'FW_mouth'] as const)
      expect(await sharperFraction(world, family, 8), family).toBeGreaterThanOrEqual(0.875);
  });

  it('opposingTrace is the knob: the same swaps carry less high-frequency energy with it at 0', async () => {
    const ratio = async (opposingTrace: number): Promise<number> => {
      const world = new Faceworld({
        seed: 3,
        identities: 6,
        targetIdentities: 2,
        frames: 4,
        size: 64,
        opposingTrace,
      });
      let s = 0;
      for (let i = 0; i < 6; i++) {
        const req = { identity: i, video: 0, frame: i % 4 };
        const fake = await world.renderFrame({ family: 'FW_swap', ...req });
        const real = await world.renderFrame({ family: 'FW_real', ...req });
        const w = skinInMask(fake, real);
        s += Math.log(highFrequency(fake.image, w, 64) / highFrequency(real.image, w, 64));
      }
      return s / 6;
    };
    expect(await ratio(0.6)).toBeGreaterThan((await ratio(0)) + 0.3);
  });

  it('held-out target swaps are low-pass: smoother than their reals', async () => {
    const world = new Faceworld({ seed: 3, identities: 6, targetIdentities: 6, frames: 4, size: 64 });
    let wins = 0;
    for (let i = 0; i < 8; i++) {
      const req = { identity: i % 6, video: 0, frame: i % 4 };
      const fake = await world.renderFrame({ family: 'FWT_swap', ...req });
      const real = await world.renderFrame({ family: 'FWT_real', ...req });
      const w = skinInMask(fake, real);
      if (highFrequency(fake.image, w, 64) < highFrequency(real.image, w, 64)) wins++;
    }
    expect(wins).toBeGreaterThanOrEqual(7);
  });
});
