// Pins the optimised pipeline to the bytes of the original implementation (commit 4c352a7): the fixture holds
// SHA-256 digests written by test/fixtures/sbi-golden.mjs from that build. A speed-up that changes any output
// byte fails here and must be justified and the fixture regenerated deliberately.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Rng } from '@cs-dfd/rng';
import { describe, expect, it } from 'vitest';
import * as F from '../src/index.js';

interface Case {
  size: number;
  face: number;
  seed: number;
  options: F.SelfBlendOptions;
  fake: string;
  mask: string;
  target: string;
  source: string;
  params: unknown;
}
const golden = JSON.parse(readFileSync(new URL('./fixtures/sbi-golden.json', import.meta.url), 'utf8')) as {
  selfBlend: Case[];
  kernels: Record<string, string>;
};
const sha = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

describe('golden bytes of the original implementation', () => {
  it('selfBlend: fake, mask, target, source and params for 70 fixed (size, face, seed) cases', () => {
    const faces = new Map<string, F.Face>();
    const wrong: string[] = [];
    for (const c of golden.selfBlend) {
      const key = `${c.size}/${c.face}`;
      if (!faces.has(key)) faces.set(key, F.syntheticFace(c.face, { size: c.size }));
      const face = faces.get(key)!;
      const r = F.selfBlend(face.image, face.landmarks, new Rng(c.seed), c.options);
      const got = {
        fake: sha(r.fake.data),
        mask: sha(r.mask.data),
        target: sha(r.target.data),
        source: sha(r.source.data),
      };
      for (const k of ['fake', 'mask', 'target', 'source'] as const)
        if (got[k] !== c[k]) wrong.push(`${key} seed ${c.seed}: ${k}`);
      expect(JSON.parse(JSON.stringify(r.params))).toEqual(c.params);
    }
    expect(wrong).toEqual([]);
  });

  it('exported pixel kernels on an odd-sized random image', () => {
    const rr = new Rng(5);
    const img: F.RgbImage = {
      width: 37,
      height: 29,
      data: Uint8Array.from({ length: 37 * 29 * 3 }, () => rr.int(0, 255)),
    };
    const fm: F.Mask = {
      width: 37,
      height: 29,
      data: Float32Array.from({ length: 37 * 29 }, () => (rr.bernoulli(0.4) ? 0 : rr.next())),
    };
    const bin: F.Mask = {
      width: 37,
      height: 29,
      data: Float32Array.from({ length: 37 * 29 }, () => (rr.bernoulli(0.2) ? 0 : 1)),
    };
    const got: Record<string, string> = {
      sharpen: sha(F.sharpen(img, 0.37, 0.73).data),
      downUp2: sha(F.downUp(img, 2).data),
      downUp3: sha(F.downUp(img, 3).data),
      downUp4: sha(F.downUp(img, 4).data),
      hsvShift: sha(F.hsvShift(img, -7.3, 12.1, -15.5).data),
      hsvShiftWide: sha(F.hsvShift(img, 179.9, -30, 40).data),
      hsvShiftWideNeg: sha(F.hsvShift(img, -179.9, 30, -40).data),
      hsvShiftHuge: sha(F.hsvShift(img, 1000.5, 0, 0).data),
      rgbShift: sha(F.rgbShift(img, [13, -20, 4]).data),
      brightnessContrast: sha(F.brightnessContrast(img, 0.07, -0.08).data),
      resizeMaskDown: sha(F.resizeMaskBilinear(fm, 23, 31).data),
      resizeMaskUp: sha(F.resizeMaskBilinear(fm, 61, 47).data),
      resizeRgb: sha(F.resizeRgbBilinear(img, 50, 20).data),
      erode7: sha(F.erode(bin.data, 37, 29, 7)),
      erode7x3: sha(F.erode(fm.data, 37, 29, 7, 3)),
      dilate5: sha(F.dilate(fm.data, 37, 29, 5)),
      warpRgb: sha(F.warpRgb(img, F.mismatchAffine({ tx: 1.3, ty: -0.7, scale: 1.03 }, 37, 29)).data),
      applyBlendMask: sha(
        F.applyBlendMask(bin, {
          resizeWidth: 30,
          resizeHeight: 40,
          erodeKernel: 5,
          blurKernel: 7,
          blurSigma: 9,
        }).data,
      ),
    };
    expect(got).toEqual(golden.kernels);
  });
});
