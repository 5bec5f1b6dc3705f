import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/index.js';

describe('Rng', () => {
  it('is deterministic by seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('resumes exactly from a saved state', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 500 }), (seed, skip) => {
        const r = new Rng(seed);
        for (let i = 0; i < skip; i++) r.next();
        const resumed = new Rng(r.state());
        for (let i = 0; i < 20; i++) expect(resumed.nextUint32()).toBe(r.nextUint32());
      }),
    );
  });

  it('int stays in range and is close to uniform (chi-square, 10 bins, 1e5 draws)', () => {
    const r = new Rng(1);
    const counts = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.int(3, 12);
      if (x < 3 || x > 12 || !Number.isInteger(x)) outside++;
      else counts[x - 3]++;
    }
    expect(outside).toBe(0);
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    // 9 degrees of freedom: P(chi2 > 27.88) = 0.001
    expect(chi2).toBeLessThan(27.88);
  });

  it('normal has mean 0 and variance 1 within sampling error', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });

  it('permutation is a permutation', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 50 }), (seed, n) => {
        const p = new Rng(seed).permutation(n);
        expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });

  it('fork works from any state and gives a stream that differs from the parent', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const parent = new Rng(seed);
        const child = parent.fork();
        const a = Array.from({ length: 8 }, () => parent.nextUint32());
        const b = Array.from({ length: 8 }, () => child.nextUint32());
        expect(b).not.toEqual(a);
        expect(child.state().every((x) => x >= 0 && x < 2 ** 32)).toBe(true);
      }),
    );
  });

  it('rejects bad seeds, states and ranges', () => {
    expect(() => new Rng(Number.NaN)).toThrow(/seed/);
    expect(() => new Rng([1, 2, 3] as unknown as [number, number, number, number])).toThrow(/four uint32/);
    expect(() => new Rng(1).int(5, 2)).toThrow(/lo <= hi/);
    expect(() => new Rng(1).choice([])).toThrow(/empty/);
  });
});
