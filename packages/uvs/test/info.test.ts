// The certificate fields of `solve().info` and the general solver's options, pinned on hand-computable cases
// (issue #20: conflict, meanDecrease, updateNorm, degenerate, the tolerance and the iteration cap were unasserted).
import { describe, expect, it } from 'vitest';
import { certify, solveGeneral, uvs } from '../src/index.js';
import { gramOf } from './helpers.js';

const quad = (G: ArrayLike<number>, w: ArrayLike<number>, K: number) => {
  let q = 0;
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) q += w[i]! * G[i * K + j]! * w[j]!;
  return q;
};

describe('info fields', () => {
  // g1 = (1, 0), g2 = (-2, 1): b = G 1/2 = (-0.5, 1.5), g0 = (-0.5, 0.5), ||g0|| = √0.5
  const G = gramOf([
    [1, 0],
    [-2, 1],
  ]);

  it('conflict, meanDecrease, g0Norm, c and scale for each rescale and reduction', () => {
    for (const solver of ['auto', 'general'] as const) {
      for (const [rescale, reduction, scale] of [
        ['none', 'mean', 1],
        ['one-plus-c', 'mean', 1 / 1.5],
        ['one-plus-c2', 'sum', 2 / 1.25],
      ] as const) {
        const { weights, info } = uvs({ c: 0.5, rescale, reduction, solver }).solve!(G, 2);
        expect(info.conflict).toBe(1);
        expect(info.meanDecrease).toBe(-0.5);
        expect(info.g0Norm).toBeCloseTo(Math.sqrt(0.5), 15);
        expect(info.c).toBe(0.5);
        expect(info.scale).toBeCloseTo(scale, 15);
        // ||d|| of the weights actually returned
        expect(info.updateNorm).toBeCloseTo(Math.sqrt(quad(G, weights, 2)), 12);
        expect(info.degenerate).toBe(0);
        expect(info.radius).toBeCloseTo(0.5, 12);
        expect(info.gap).toBeCloseTo(info.dual! - info.primal!, 15);
      }
    }
  });

  it('no conflict: conflict 0 and meanDecrease = min_i <g_i, g0> > 0', () => {
    const H = gramOf([
      [1, 0],
      [1, 1],
    ]);
    // g0 = (1, 0.5): <g1, g0> = 1, <g2, g0> = 1.5
    const { info } = uvs({ c: 0.3 }).solve!(H, 2);
    expect(info.conflict).toBe(0);
    expect(info.meanDecrease).toBe(1);
    // a source with <g_i, g0> = 0 exactly is not a conflict
    const Z = gramOf([
      [1, 0],
      [-1, 2],
    ]);
    const z = uvs({ c: 0.3 }).solve!(Z, 2).info;
    expect(z.meanDecrease).toBe(0);
    expect(z.conflict).toBe(0);
  });

  it('degenerate is 1 exactly when 0 is in the hull and the ball reaches the cone', () => {
    // antiparallel g2 = -2 g1: 0 in the hull; c = 2 reaches the no-conflict cone
    const A = gramOf([
      [1, 0, 0],
      [-2, 0, 0],
    ]);
    for (const solver of ['auto', 'general'] as const) {
      expect(uvs({ c: 2, solver }).solve!(A, 2).info.degenerate).toBe(1);
      expect(uvs({ c: 0.1, solver }).solve!(A, 2).info.degenerate).toBe(0);
    }
  });

  it('iterations: 0 for the closed form, the projections used by the general solver', () => {
    expect(uvs({ c: 0.5 }).solve!(G, 2).info.iterations).toBe(0);
    const H = gramOf([
      [1, 0, 0.2],
      [-0.8, 1, 0],
      [-0.3, -0.9, 0.5],
    ]);
    const n = uvs({ c: 0.5 }).solve!(H, 3).info.iterations!;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(20);
  });
});

describe('general solver options', () => {
  const H = gramOf([
    [1, 0, 0.2, 0],
    [-0.8, 1, 0, 0.1],
    [-0.3, -0.9, 0.5, 0],
    [0.2, -0.1, -1, 0.4],
  ]);

  it('the default tolerance meets the radius equation to 1e-12; a loose one only to itself', () => {
    for (const c of [0.1, 0.42, 0.9]) {
      const tight = certify(H, 4, c, solveGeneral(H, 4, c));
      expect(Math.abs(tight.radius - c)).toBeLessThanOrEqual(1e-12 * c);
      const loose = solveGeneral(H, 4, c, { tolerance: 1e-3 });
      const lc = certify(H, 4, c, loose);
      expect(Math.abs(lc.radius - c)).toBeLessThanOrEqual(1e-3 * c * 1.0001);
      expect(loose.iterations).toBeLessThanOrEqual(solveGeneral(H, 4, c).iterations);
    }
  });

  it('a loose tolerance saves projections and still ends exact: the polishing Newton step lands on t* (400 random problems)', () => {
    // Without the polish, 24 of these 400 stop up to 1.6e-2 (of ||g0||²) short of the optimal primal value. Measured
    // projection counts: 1674 at tolerance 1e-2 (fewer than the default on 67 problems, more on none), 3056 at the
    // default 1e-12, 3584 at 1e-14.
    let s = 7;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    let fewer = 0;
    let tightTotal = 0;
    let finerTotal = 0;
    for (let t = 0; t < 400; t++) {
      const K = 3 + (t % 4);
      const rows = Array.from({ length: K }, () => Array.from({ length: 2 + (t % 5) }, rnd));
      const G = gramOf(rows);
      const c = [0.1, 0.42, 0.9, 2][t % 4]!;
      const tightSolution = solveGeneral(G, K, c);
      const looseSolution = solveGeneral(G, K, c, { tolerance: 1e-2 });
      const tight = certify(G, K, c, tightSolution);
      const loose = certify(G, K, c, looseSolution);
      expect(Math.abs(tight.primal - loose.primal) / tight.g0Norm ** 2).toBeLessThanOrEqual(1e-9);
      expect(looseSolution.iterations).toBeLessThanOrEqual(tightSolution.iterations);
      if (looseSolution.iterations < tightSolution.iterations) fewer++;
      tightTotal += tightSolution.iterations;
      finerTotal += solveGeneral(G, K, c, { tolerance: 1e-14 }).iterations;
    }
    expect(fewer).toBeGreaterThanOrEqual(40);
    expect(finerTotal).toBeGreaterThan(tightTotal);
  });

  it('maxIterations caps the projections (the two ends of the bracket are always projected) and the answer stays in the ball', () => {
    for (const cap of [1, 2, 3, 4]) {
      const s = solveGeneral(H, 4, 0.42, { maxIterations: cap });
      expect(s.iterations).toBeLessThanOrEqual(Math.max(2, cap));
      expect(certify(H, 4, 0.42, s).radius).toBeLessThanOrEqual(0.42 * (1 + 1e-9));
    }
    expect(solveGeneral(H, 4, 0.42).iterations).toBeGreaterThan(3);
  });

  it('identical gradients get identical weights (K = 3 and K = 5)', () => {
    for (const K of [3, 5]) {
      const rows = Array.from({ length: K }, () => [0.3, -1, 2]);
      const w = uvs({ c: 0.7, solver: 'general' }).weights(gramOf(rows), K);
      for (const v of w) expect(v).toBeCloseTo(w[0]!, 14);
    }
    // two identical among three: the twins share the weight
    const w = uvs({ c: 0.7 }).weights(
      gramOf([
        [1, 0],
        [1, 0],
        [-1, 0.5],
      ]),
      3,
    );
    expect(w[0]).toBeCloseTo(w[1]!, 12);
  });
});
