import { Rng } from '@cs-dfd/rng';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  applyCheckerboard,
  applySpectralPeak,
  type Mask,
  type RgbImage,
  sampleCheckerboardParams,
  sampleSpectralPeakParams,
  syntheticFace,
} from '../src/index.js';
import { doubleJpeg, sampleDoubleJpegParams } from '../src/io.js';
import { dftMagnitude } from './helpers.js';

const grey = (w: number, h: number, v = 128): RgbImage => ({
  width: w,
  height: h,
  data: new Uint8Array(w * h * 3).fill(v),
});
const fullMask = (w: number, h: number): Mask => ({
  width: w,
  height: h,
  data: new Float32Array(w * h).fill(1),
});
const halfMask = (w: number, h: number): Mask => ({
  width: w,
  height: h,
  data: Float32Array.from({ length: w * h }, (_, p) => (p % w < w / 2 ? 1 : 0)),
});
const residual = (a: RgbImage, b: RgbImage) =>
  Float64Array.from({ length: a.width * a.height }, (_, p) => a.data[p * 3]! - b.data[p * 3]!);

describe('checkerboard', () => {
  it('adds a pattern periodic in the period, with DFT energy only at multiples of W/period, nothing outside the mask', () => {
    for (const seed of [1, 2, 3]) {
      const params = sampleCheckerboardParams(new Rng(seed));
      const p = params.period;
      const img = grey(32, 32);
      const out = applyCheckerboard(img, fullMask(32, 32), params);
      const r = residual(out, img);
      for (let y = 0; y + p < 32; y++)
        for (let x = 0; x + p < 32; x++) expect(r[y * 32 + x + p]).toBe(r[y * 32 + x]);
      let onGrid = 0;
      let offGrid = 0;
      for (let v = 0; v < 32; v++) {
        for (let u = 0; u < 32; u++) {
          const m = dftMagnitude(r, 32, 32, u, v);
          if (u % (32 / p) === 0 && v % (32 / p) === 0) onGrid += m;
          else offGrid = Math.max(offGrid, m);
        }
      }
      expect(offGrid).toBeLessThan(1e-6);
      expect(onGrid).toBeGreaterThan(32 * 32);
      const half = applyCheckerboard(img, halfMask(32, 32), params);
      for (let y = 0; y < 32; y++)
        for (let x = 16; x < 32; x++) expect(half.data[(y * 32 + x) * 3]).toBe(128);
    }
  });
});

describe('spectral peak', () => {
  it('puts the residual energy at the chosen frequency bin (DFT in the test) and nowhere else', () => {
    const w = 48;
    const h = 40;
    const img = syntheticFace(2, { size: 48 }).image;
    const im = { ...img, width: w, height: h, data: img.data.subarray(0, w * h * 3) };
    for (const seed of [4, 5]) {
      const params = sampleSpectralPeakParams(w, h, new Rng(seed));
      const out = applySpectralPeak(grey(w, h), fullMask(w, h), params);
      const r = residual(out, grey(w, h));
      const fx = ((params.fx % w) + w) % w;
      const fy = ((params.fy % h) + h) % h;
      const peak = dftMagnitude(r, w, h, fx, fy);
      // amplitude·N/2 at the bin, minus what rounding to bytes takes away
      expect(peak / ((params.amplitude * w * h) / 2)).toBeGreaterThan(0.9);
      let other = 0;
      for (let v = 0; v < h; v++) {
        for (let u = 0; u < w; u++) {
          if ((u === fx && v === fy) || (u === (w - fx) % w && v === (h - fy) % h)) continue;
          other = Math.max(other, dftMagnitude(r, w, h, u, v));
        }
      }
      expect(other).toBeLessThan(0.1 * peak);
      const half = applySpectralPeak(im, halfMask(w, h), params);
      for (let y = 0; y < h; y++)
        for (let x = w / 2; x < w; x++)
          for (let c = 0; c < 3; c++)
            expect(half.data[(y * w + x) * 3 + c]).toBe(im.data[(y * w + x) * 3 + c]);
    }
  });
});

describe('double JPEG', () => {
  it('changes only pixels inside the mask, where it equals the twice-compressed image (sharp in the test)', async () => {
    const { image } = syntheticFace(6, { size: 64 });
    const mask = halfMask(64, 64);
    const params = sampleDoubleJpegParams(new Rng(3));
    const out = await doubleJpeg(image, mask, params);
    const raw = { raw: { width: 64, height: 64, channels: 3 as const } };
    const j1 = await sharp(Buffer.from(image.data), raw).jpeg({ quality: params.quality1 }).toBuffer();
    const d1 = await sharp(j1).raw().toBuffer();
    const j2 = await sharp(d1, raw).jpeg({ quality: params.quality2 }).toBuffer();
    const d2 = await sharp(j2).raw().toBuffer();
    let changed = 0;
    for (let p = 0; p < 64 * 64; p++) {
      for (let c = 0; c < 3; c++) {
        const k = p * 3 + c;
        if (mask.data[p] === 0) expect(out.data[k]).toBe(image.data[k]);
        else {
          expect(out.data[k]).toBe(d2[k]);
          if (out.data[k] !== image.data[k]) changed++;
        }
      }
    }
    expect(changed).toBeGreaterThan(1000);
  });
});
