// The inverse-of-blending source forgery (inverseTrace): extra high frequencies on the face and nothing else.
import { describe, expect, it } from 'vitest';
import { Faceworld, parseOptions } from '../src/index.js';

const SIZE = 96;

/** Mean squared 4-neighbour Laplacian of the luma over the pixels where `where` holds. */
function laplacianEnergy(img: Uint8Array, where: (p: number) => boolean): number {
  const luma = (x: number, y: number) => {
    const i = 3 * (y * SIZE + x);
    return 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!;
  };
  let e = 0;
  let n = 0;
  for (let y = 1; y < SIZE - 1; y++)
    for (let x = 1; x < SIZE - 1; x++) {
      if (!where(y * SIZE + x)) continue;
      const l = 4 * luma(x, y) - luma(x - 1, y) - luma(x + 1, y) - luma(x, y - 1) - luma(x, y + 1);
      e += l * l;
      n++;
    }
  return e / n;
}

/** Mean of each channel over the pixels where `where` holds. */
function meanColour(img: Uint8Array, where: (p: number) => boolean): number[] {
  const m = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < SIZE * SIZE; p++) {
    if (!where(p)) continue;
    for (let c = 0; c < 3; c++) m[c]! += img[3 * p + c]!;
    n++;
  }
  return m.map((v) => v / n);
}

describe('inverseTrace', () => {
  const world = new Faceworld({ seed: 3, identities: 8, size: SIZE, inverseTrace: 1 });
  const id = world.splits.train[0]!;
  const frame = (family: 'FW_real' | 'FW_swap' | 'FW_mouth') =>
    world.renderFrame({ family, identity: id, video: 0, frame: 1 });

  it('adds high-frequency energy on the face, keeps its colour, and leaves the rest of the frame as captured', async () => {
    const [real, fake] = await Promise.all([frame('FW_real'), frame('FW_swap')]);
    const face = (p: number) => fake.mask[p]! > 0.99;
    expect(laplacianEnergy(fake.image, face)).toBeGreaterThan(1.5 * laplacianEnergy(real.image, face));
    const [fr, ff] = [meanColour(real.image, face), meanColour(fake.image, face)];
    for (let c = 0; c < 3; c++) expect(Math.abs(ff[c]! - fr[c]!)).toBeLessThan(1.5);
    // Far from the mask (whole 8x8 JPEG blocks outside its support) the bytes are the real frame's: same scene,
    // same camera noise draws, and JPEG codes those blocks alike.
    let far = 0;
    for (let by = 0; by < SIZE; by += 8)
      for (let bx = 0; bx < SIZE; bx += 8) {
        let touched = false;
        for (let y = Math.max(0, by - 8); y < Math.min(SIZE, by + 16); y++)
          for (let x = Math.max(0, bx - 8); x < Math.min(SIZE, bx + 16); x++)
            if (fake.mask[y * SIZE + x]! > 0) touched = true;
        if (touched) continue;
        for (let y = by; y < by + 8; y++)
          for (let x = bx; x < bx + 8; x++)
            for (let c = 0; c < 3; c++) {
              const i = 3 * (y * SIZE + x) + c;
              expect(fake.image[i]).toBe(real.image[i]);
            }
        far++;
      }
    expect(far).toBeGreaterThan(10);
    expect(fake.landmarks).toEqual(real.landmarks);
  });

  it('applies to every source family, and scales with its value (0 = the real frame)', async () => {
    const swap = await frame('FW_swap');
    const mouth = await frame('FW_mouth');
    expect(mouth.image).toEqual(swap.image);
    const none = new Faceworld({ seed: 3, identities: 8, size: SIZE, inverseTrace: 0 });
    const real = await frame('FW_real');
    const zero = await none.renderFrame({ family: 'FW_swap', identity: id, video: 0, frame: 1 });
    expect(zero.image).toEqual(real.image);
    const half = new Faceworld({ seed: 3, identities: 8, size: SIZE, inverseTrace: 0.5 });
    const mid = await half.renderFrame({ family: 'FW_swap', identity: id, video: 0, frame: 1 });
    const face = (p: number) => swap.mask[p]! > 0.99;
    const [e0, e5, e1] = [real, mid, swap].map((f) => laplacianEnergy(f.image, face));
    expect(e0).toBeLessThan(e5!);
    expect(e5).toBeLessThan(e1!);
  });

  it('is absent by default (the default datasets are unchanged) and validated', () => {
    expect('inverseTrace' in parseOptions({})).toBe(false);
    expect(() => parseOptions({ inverseTrace: 1.5 })).toThrow(/inverseTrace/);
  });
});
