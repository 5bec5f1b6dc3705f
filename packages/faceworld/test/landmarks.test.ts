import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expressShape,
  FAMILY_LABELS,
  Faceworld,
  identityShape,
  meanShape,
  Region,
  sampleIdentity,
} from '../src/index.js';

const world = new Faceworld({ seed: 11, identities: 6, targetIdentities: 2, frames: 4, size: 96 });

/** Labels present within `r` px of (x, y) (landmarks in pixel-centre coordinates). */
function labelsNear(labels: Uint8Array, size: number, x: number, y: number, r: number): Set<number> {
  const out = new Set<number>();
  for (let yy = Math.floor(y - r); yy <= Math.ceil(y + r); yy++)
    for (let xx = Math.floor(x - r); xx <= Math.ceil(x + r); xx++)
      if (xx >= 0 && yy >= 0 && xx < size && yy < size && Math.hypot(xx - x, yy - y) <= r)
        out.add(labels[yy * size + xx]!);
  return out;
}

describe('landmarks fall on the drawn features', () => {
  it('every eye point touches the eye region and every lip point the lips, in every family', async () => {
    for (const family of FAMILY_LABELS) {
      const pool = family.startsWith('FWT') ? 2 : 6;
      for (let id = 0; id < pool; id += pool === 2 ? 1 : 3) {
        const f = await world.renderFrame({ family, identity: id, video: 0, frame: 1 });
        const lm = f.landmarks;
        for (let i = 36; i < 48; i++)
          expect(
            labelsNear(f.labels, 96, lm[2 * i]!, lm[2 * i + 1]!, 1.5).has(Region.eye),
            `${family} #${id} point ${i}`,
          ).toBe(true);
        for (let i = 48; i < 68; i++) {
          const near = labelsNear(f.labels, 96, lm[2 * i]!, lm[2 * i + 1]!, 1.5);
          expect(near.has(Region.lips) || near.has(Region.mouth), `${family} #${id} point ${i}`).toBe(true);
        }
        // The jaw line bounds the skin: each jaw point has skin within 1.5 px.
        for (let i = 0; i < 17; i++)
          expect(
            labelsNear(f.labels, 96, lm[2 * i]!, lm[2 * i + 1]!, 1.5).has(Region.skin),
            `${family} #${id} jaw ${i}`,
          ).toBe(true);
      }
    }
  });

  it('in the final image, lips are redder than the skin and the pupil darker than the sclera', async () => {
    for (let id = 0; id < 6; id++) {
      const f = await world.renderFrame({ family: 'FW_real', identity: id, video: 0, frame: 0 });
      const px = (x: number, y: number): [number, number, number] => {
        const o = 3 * (Math.round(y) * 96 + Math.round(x));
        return [f.image[o]!, f.image[o + 1]!, f.image[o + 2]!];
      };
      // Lip body: midway between the outer and inner lower-lip landmarks (57 and 66).
      const lm = f.landmarks;
      const lip = px((lm[114]! + lm[132]!) / 2, (lm[115]! + lm[133]!) / 2);
      // Cheek: between the jaw point 3 and the nose base 31, a skin area away from features.
      const cheek = px((lm[6]! + lm[62]!) / 2, (lm[7]! + lm[63]!) / 2);
      const redness = (c: [number, number, number]): number => c[0] / (c[1] + 1);
      expect(redness(lip), `identity ${id}`).toBeGreaterThan(redness(cheek));
    }
  });
});

describe('dlib 68-point order', () => {
  const mean = meanShape();
  const x = (p: Float64Array, i: number): number => p[3 * i]!;
  const y = (p: Float64Array, i: number): number => p[3 * i + 1]!;

  it('the mean layout has the iBUG 300-W topology', () => {
    // Jaw runs from the image left (0) through the chin (8, lowest) to the image right (16).
    for (let i = 0; i < 16; i++) expect(x(mean, i + 1)).toBeGreaterThan(x(mean, i));
    for (let i = 0; i < 17; i++) expect(y(mean, 8)).toBeGreaterThanOrEqual(y(mean, i));
    // Eyes: 36 outer corner left of 39 inner corner; 42 inner corner left of 45 outer corner.
    expect(x(mean, 36)).toBeLessThan(x(mean, 39));
    expect(x(mean, 39)).toBeLessThan(x(mean, 42));
    expect(x(mean, 42)).toBeLessThan(x(mean, 45));
    // Brows above eyes above nose tip above mouth above chin.
    expect(y(mean, 19)).toBeLessThan(y(mean, 37));
    expect(y(mean, 37)).toBeLessThan(y(mean, 30));
    expect(y(mean, 30)).toBeLessThan(y(mean, 51));
    expect(y(mean, 57)).toBeLessThan(y(mean, 8));
    // Outer lip: 48 and 54 are the corners, 51 top centre, 57 bottom centre.
    expect(x(mean, 48)).toBeLessThan(x(mean, 51));
    expect(x(mean, 51)).toBeLessThan(x(mean, 54));
    expect(y(mean, 51)).toBeLessThan(y(mean, 57));
  });

  it('for any person and expression, lids and lips never cross', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.record({
          mouthOpen: fc.double({ min: 0, max: 1, noNaN: true }),
          jawOpen: fc.double({ min: 0, max: 1, noNaN: true }),
          smile: fc.double({ min: -0.5, max: 1, noNaN: true }),
          blink: fc.double({ min: 0, max: 1, noNaN: true }),
          browRaise: fc.double({ min: -1, max: 1, noNaN: true }),
        }),
        (id, e) => {
          const p = expressShape(identityShape(sampleIdentity(1, 0, id).shapeParams), e);
          // Upper lid (37, 38 / 43, 44) never below the lower lid (41, 40 / 47, 46).
          for (const [u, l] of [
            [37, 41],
            [38, 40],
            [43, 47],
            [44, 46],
          ] as const)
            expect(y(p, u)).toBeLessThanOrEqual(y(p, l) + 1e-9);
          // Inner upper lip (61-63) never below the inner lower lip (67-65); outer lip encloses inner.
          for (const [u, l] of [
            [61, 67],
            [62, 66],
            [63, 65],
          ] as const)
            expect(y(p, u)).toBeLessThanOrEqual(y(p, l) + 1e-9);
          expect(y(p, 51)).toBeLessThanOrEqual(y(p, 62));
          expect(y(p, 66)).toBeLessThanOrEqual(y(p, 57));
          // Brows stay above the eyes.
          expect(y(p, 19)).toBeLessThan(y(p, 37));
          expect(y(p, 24)).toBeLessThan(y(p, 44));
        },
      ),
      { numRuns: 200 },
    );
  });
});
