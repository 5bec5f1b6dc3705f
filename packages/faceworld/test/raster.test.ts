// Faceworld's own canvas pieces (the rasteriser, hull and blur are tested in @cs-dfd/imaging).
import { Rng } from '@cs-dfd/rng';
import { describe, expect, it } from 'vitest';
import { noiseStream } from '../src/camera.js';
import { blockUpsample } from '../src/traces.js';

describe('noiseStream', () => {
  it('has mean 0 and variance 1 (Irwin-Hall of four uniforms)', () => {
    const next = noiseStream(new Rng(3));
    let s = 0;
    let s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const z = next();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
  });
});

describe('blockUpsample', () => {
  it('is constant on each k×k block and keeps the block means', () => {
    const c = { width: 6, height: 6, data: new Float32Array(108).map((_, i) => (i * 37) % 101) };
    const b = blockUpsample(c, 3);
    for (let ch = 0; ch < 3; ch++) {
      let orig = 0;
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) orig += c.data[3 * (y * 6 + x) + ch]!;
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 3; x++) expect(b.data[3 * (y * 6 + x) + ch]).toBeCloseTo(orig / 9, 4);
    }
  });
});
