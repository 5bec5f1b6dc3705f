import { Rng } from '@cs-dfd/rng';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyBlendMask,
  BLEND_RATIOS,
  blend,
  blendMask,
  blendWarped,
  ForgeryError,
  hullMask,
  landmarkMismatch,
  type Mask,
  mismatchAffine,
  type RgbImage,
  randomHullMask,
  sampleBlendRatio,
  selfBlend,
  sourceTargetPair,
  syntheticFace,
  warpRgb,
} from '../src/index.js';
import { chiSquare } from './helpers.js';

const face = syntheticFace(21, { size: 96 });
const small = { blendMask: { resize: [72, 96] as [number, number] } };

describe('selfBlend', () => {
  it('same seed -> identical bytes (fake, mask, target) and params; another seed differs', () => {
    const a = selfBlend(face.image, face.landmarks, new Rng(9), small);
    const b = selfBlend(face.image, face.landmarks, new Rng(9), small);
    const c = selfBlend(face.image, face.landmarks, new Rng(10), small);
    expect(Buffer.from(a.fake.data).equals(Buffer.from(b.fake.data))).toBe(true);
    expect(Buffer.from(a.mask.data.buffer).equals(Buffer.from(b.mask.data.buffer))).toBe(true);
    expect(Buffer.from(a.target.data).equals(Buffer.from(b.target.data))).toBe(true);
    expect(a.params).toEqual(b.params);
    expect(Buffer.from(a.fake.data).equals(Buffer.from(c.fake.data))).toBe(false);
  });

  it('fake equals the target wherever the mask is 0, equals the blend formula elsewhere, and differs inside the face', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 7 }), fc.boolean(), (seed, fi, full) => {
        const f = syntheticFace(fi, { size: 64 });
        const r = selfBlend(f.image, f.landmarks, new Rng(seed), full ? { ratios: [1] } : {});
        const { fake, target, mask, params } = r;
        const src = warpRgb(r.source, mismatchAffine(params.mismatch, 64, 64));
        const wrong: number[] = [];
        let inside = 0;
        let changed = 0;
        for (let p = 0; p < 64 * 64; p++) {
          const m = mask.data[p]!;
          if (!(m >= 0 && m <= 1)) wrong.push(p);
          let differs = false;
          for (let c = 0; c < 3; c++) {
            const k = p * 3 + c;
            const a = params.ratio * m;
            const want = m === 0 ? target.data[k]! : Math.round(a * src.data[k]! + (1 - a) * target.data[k]!);
            if (fake.data[k] !== want) wrong.push(p);
            if (fake.data[k] !== target.data[k]) differs = true;
          }
          if (m === 0 && differs) wrong.push(p);
          if (m >= 0.5) {
            inside++;
            if (differs) changed++;
          }
        }
        expect(wrong).toEqual([]);
        expect(inside).toBeGreaterThan(200);
        // Every pair differs by a frequency change at least; with the full ratio most of the face changes.
        expect(changed / inside).toBeGreaterThan(full ? 0.3 : 0.05);
      }),
      { numRuns: 12 },
    );
  });

  it('is the composition of the five stage functions drawing from the same stream', () => {
    for (const seed of [1, 2, 3]) {
      const got = selfBlend(face.image, face.landmarks, new Rng(seed), small);
      const rng = new Rng(seed);
      const hull = randomHullMask(face.landmarks, 96, 96, rng);
      const pair = sourceTargetPair(face.image, rng);
      const shifted = landmarkMismatch(pair.source, hull.mask, rng);
      const bm = blendMask(shifted.mask, rng, small.blendMask);
      const ratio = sampleBlendRatio(rng);
      const fake = blend(shifted.source, pair.target, bm.mask, ratio);
      expect(Buffer.from(got.fake.data).equals(Buffer.from(fake.data))).toBe(true);
      expect(Array.from(got.mask.data)).toEqual(Array.from(bm.mask.data));
      expect(got.params.ratio).toBe(ratio);
    }
  });

  it('draws the blend ratio from {0.25, 0.5, 0.75, 1, 1, 1} (chi-square, 3 dof, p = 0.01, fixed seeds)', () => {
    const cats = [0.25, 0.5, 0.75, 1];
    const probs = [1 / 6, 1 / 6, 1 / 6, 1 / 2];
    const critical = 11.345;
    const rng = new Rng(2024);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 6000; i++) counts[cats.indexOf(sampleBlendRatio(rng))]!++;
    expect(chiSquare(counts, probs)).toBeLessThan(critical);
    // ... and selfBlend itself uses that distribution (smaller sample through the whole pipeline)
    const tiny = syntheticFace(3, { size: 32, noise: 0 });
    const pipeline = [0, 0, 0, 0];
    const r2 = new Rng(77);
    for (let i = 0; i < 300; i++) {
      const r = selfBlend(tiny.image, tiny.landmarks, r2, {
        blendMask: { resize: [24, 32] },
        mismatch: { elasticAlpha: 0 },
      });
      pipeline[cats.indexOf(r.params.ratio)]!++;
    }
    expect(chiSquare(pipeline, probs)).toBeLessThan(critical);
    // The test can fail: a uniform draw over the four values is rejected.
    expect(chiSquare([1500, 1500, 1500, 1500], probs)).toBeGreaterThan(critical);
    expect(BLEND_RATIOS).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
  });

  it('refuses bad landmarks and images with a typed error naming task, field and value', () => {
    const lm = face.landmarks;
    const cases: [unknown, string, string][] = [
      [lm.slice(0, 67), 'landmarks.count', 'landmarks.length'],
      [[...lm.slice(0, 10), [Number.NaN, 3], ...lm.slice(11)], 'landmarks.nonfinite', 'landmarks[10][0]'],
      [
        [...lm.slice(0, 5), [10, Number.POSITIVE_INFINITY], ...lm.slice(6)],
        'landmarks.nonfinite',
        'landmarks[5][1]',
      ],
      [[...lm.slice(0, 30), [97, 10], ...lm.slice(31)], 'landmarks.outside', 'landmarks[30][0]'],
      [[...lm.slice(0, 30), [10, -0.5], ...lm.slice(31)], 'landmarks.outside', 'landmarks[30][1]'],
    ];
    for (const [bad, code, field] of cases) {
      try {
        selfBlend(face.image, bad as never, new Rng(1));
        expect.unreachable(`no error for ${code}`);
      } catch (e) {
        expect(e).toBeInstanceOf(ForgeryError);
        expect((e as ForgeryError).code).toBe(code);
        expect((e as ForgeryError).field).toBe(field);
        expect((e as ForgeryError).task).toBe('selfBlend');
        expect((e as ForgeryError).message).toContain(field);
      }
    }
    const badImage = { width: 96, height: 96, data: new Uint8Array(96 * 96 * 4) };
    expect(() => selfBlend(badImage, lm, new Rng(1))).toThrow(/image.data.length = 36864/);
    expect(() => selfBlend(face.image, lm, new Rng(1), { blendMask: { blurKernel: [6, 6] } })).toThrow(
      ForgeryError,
    );
    expect(() => selfBlend(face.image, lm, new Rng(1), { sourceTarget: { rgbShift: -1 } })).toThrow(
      /options.rgbShift/,
    );
  });
});

describe('stages', () => {
  it('sourceTargetPair: exactly one of the pair is a byte copy of the input, the other differs', () => {
    let sources = 0;
    for (let s = 0; s < 40; s++) {
      const { source, target, params } = sourceTargetPair(face.image, new Rng(s));
      const [same, other] = params.transformed === 'source' ? [target, source] : [source, target];
      expect(Buffer.from(same.data).equals(Buffer.from(face.image.data))).toBe(true);
      expect(Buffer.from(other.data).equals(Buffer.from(face.image.data))).toBe(false);
      if (params.transformed === 'source') sources++;
    }
    expect(sources).toBeGreaterThan(8);
    expect(sources).toBeLessThan(32);
  });

  it('landmarkMismatch: shift within ±3% x, ±1.5% y, scale in [0.95, 1/0.95]; mask stays in [0, 1] and keeps its area within the scale²', () => {
    const hm = hullMask(face.landmarks, 96, 96, 'full');
    const area0 = hm.data.reduce((a, b) => a + b, 0);
    for (let s = 0; s < 20; s++) {
      const { mask, params } = landmarkMismatch(face.image, hm, new Rng(s));
      expect(Math.abs(params.tx)).toBeLessThanOrEqual(0.03 * 96);
      expect(Math.abs(params.ty)).toBeLessThanOrEqual(0.015 * 96);
      expect(params.scale).toBeGreaterThanOrEqual(0.95);
      expect(params.scale).toBeLessThanOrEqual(1 / 0.95);
      expect(mask.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      const area = mask.data.reduce((a, b) => a + b, 0);
      expect(area / (area0 * params.scale ** 2)).toBeGreaterThan(0.9);
      expect(area / (area0 * params.scale ** 2)).toBeLessThan(1.1);
    }
  });

  it('applyBlendMask: in [0, 1], peak 1, zero outside the (resized) hull, all-zero stays all-zero', () => {
    const hm = hullMask(face.landmarks, 96, 96, 'components');
    // near[p]: some hull pixel within the 37×37 window around p (summed-area table)
    const S = new Float64Array(97 * 97);
    for (let y = 0; y < 96; y++) {
      for (let x = 0; x < 96; x++)
        S[(y + 1) * 97 + x + 1] =
          hm.data[y * 96 + x]! + S[y * 97 + x + 1]! + S[(y + 1) * 97 + x]! - S[y * 97 + x]!;
    }
    const near = Array.from({ length: 96 * 96 }, (_, p) => {
      const x = p % 96;
      const y = Math.floor(p / 96);
      const [x0, y0, x1, y1] = [
        Math.max(0, x - 18),
        Math.max(0, y - 18),
        Math.min(96, x + 19),
        Math.min(96, y + 19),
      ];
      return S[y1 * 97 + x1]! - S[y0 * 97 + x1]! - S[y1 * 97 + x0]! + S[y0 * 97 + x0]! > 0;
    });
    for (let s = 0; s < 10; s++) {
      const { mask } = blendMask(hm, new Rng(s), { resize: [72, 120] });
      expect(mask.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      // normalised to 1 at the resized scale; resizing back may interpolate a small peak down a little
      expect(Math.max(...mask.data)).toBeGreaterThan(0.95);
      // erosion first, then a blur of radius <= 12 at the resized scale (<= 18 px here): nothing leaks further
      const wrong: number[] = [];
      for (let p = 0; p < 96 * 96; p++) if (mask.data[p]! > 0 && !near[p]) wrong.push(p);
      expect(wrong).toEqual([]);
    }
    const zero: Mask = { width: 50, height: 40, data: new Float32Array(2000) };
    const out = applyBlendMask(zero, {
      resizeWidth: 64,
      resizeHeight: 64,
      erodeKernel: 9,
      blurKernel: 9,
      blurSigma: 10,
    });
    expect(out.data.every((v) => v === 0)).toBe(true);
  });

  it('applyBlendMask: a mask too thin for the erosion still yields a non-empty blend mask (kernel shrinks)', () => {
    const thin: Mask = { width: 64, height: 64, data: new Float32Array(64 * 64) };
    for (let y = 20; y < 44; y++) for (let x = 30; x < 33; x++) thin.data[y * 64 + x] = 1;
    const out = applyBlendMask(thin, {
      resizeWidth: 64,
      resizeHeight: 64,
      erodeKernel: 25,
      blurKernel: 5,
      blurSigma: 5,
    });
    expect(Math.max(...out.data)).toBeCloseTo(1, 5);
  });

  it('blendWarped equals blend(warpRgb(source)) byte for byte; blend with ratio 1 and mask 1 is the source', () => {
    const r = new Rng(4);
    const img = (): RgbImage => ({
      width: 40,
      height: 30,
      data: Uint8Array.from({ length: 3600 }, () => r.int(0, 255)),
    });
    const s = img();
    const t = img();
    const m: Mask = {
      width: 40,
      height: 30,
      data: Float32Array.from({ length: 1200 }, () => (r.bernoulli(0.3) ? 0 : r.next())),
    };
    const aff = mismatchAffine({ tx: 1.3, ty: -0.7, scale: 1.03 }, 40, 30);
    expect(
      Buffer.from(blendWarped(s, aff, t, m, 0.75).data).equals(
        Buffer.from(blend(warpRgb(s, aff), t, m, 0.75).data),
      ),
    ).toBe(true);
    const ones: Mask = { width: 40, height: 30, data: new Float32Array(1200).fill(1) };
    expect(Buffer.from(blend(s, t, ones, 1).data).equals(Buffer.from(s.data))).toBe(true);
  });
});
