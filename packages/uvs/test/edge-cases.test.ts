import { GramianError, gramDiagnostics, gramOfRows } from '@cs-dfd/gramian';
import { describe, expect, it } from 'vitest';
import { uvs } from '../src/index.js';
import { combineRows } from './helpers.js';

const solve = (rows: number[][], c = 0.5, rescale: 'none' | 'one-plus-c' = 'none') =>
  uvs({ c, rescale }).solve!(gramOfRows(rows), rows.length);
const finite = (w: Float64Array) => Array.from(w).every(Number.isFinite);
const close = (a: readonly number[], b: readonly number[], tol = 1e-12) =>
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tol));

describe('documented edge cases give finite, exact answers', () => {
  it('g0 = 0 (opposite gradients): d = 0, certificate 0 = 0, radius 0', () => {
    const { weights, info } = solve([
      [1, 2],
      [-1, -2],
    ]);
    expect(finite(weights)).toBe(true);
    close(
      combineRows(
        [
          [1, 2],
          [-1, -2],
        ],
        weights,
      ),
      [0, 0],
    );
    expect(info.primal).toBe(0);
    expect(info.dual).toBe(0);
    expect(info.radius).toBe(0);
    expect(info.degenerate).toBe(1);
  });

  it('identical gradients: d = (1 + c) g, and exactly g with rescale one-plus-c', () => {
    const rows = [
      [3, -1, 2],
      [3, -1, 2],
    ];
    close(combineRows(rows, solve(rows, 0.5).weights), [4.5, -1.5, 3]);
    close(combineRows(rows, solve(rows, 0.5, 'one-plus-c').weights), [3, -1, 2]);
    for (const K of [3, 5]) {
      const many = Array.from({ length: K }, () => [3, -1, 2]);
      close(combineRows(many, solve(many, 0.5, 'one-plus-c').weights), [3, -1, 2], 1e-9);
    }
  });

  it('collinear, same direction (g2 = 3 g1): d = g0 + c||g0|| g1/||g1||', () => {
    const rows = [
      [1, 2],
      [3, 6],
    ];
    // g0 = (2, 4); the smaller gradient is the worst one, the ball pushes along it: d = (1 + c) g0
    close(combineRows(rows, solve(rows, 0.5).weights), [3, 6], 1e-12);
  });

  it('antiparallel with c < 1: the worst source gets the best possible (negative) decrease', () => {
    // g1 = u, g2 = -2u, g0 = -u/2: d = g0 + c||g0|| u = (c - 1)/2 u, decreases (c-1)/2 and (1-c)
    const rows = [[1], [-2]];
    const { weights, info } = solve(rows, 0.5);
    close(combineRows(rows, weights), [-0.25]);
    expect(info.primal).toBeCloseTo(-0.25, 12);
    expect(info.dual).toBeCloseTo(-0.25, 12);
    expect(info.degenerate).toBe(0);
  });

  it('antiparallel with c > 1: no conflict-free move is better than d = 0 (degenerate, radius unused)', () => {
    const rows = [[1], [-2]];
    const { weights, info } = solve(rows, 1.5);
    close(combineRows(rows, weights), [0]);
    expect(info.degenerate).toBe(1);
    expect(info.radius).toBeCloseTo(1, 12);
  });

  it('one zero gradient: d = g0 (the zero source cannot be helped, the other is not hurt)', () => {
    const rows = [
      [2, 1],
      [0, 0],
    ];
    const { weights, info } = solve(rows, 0.5);
    close(combineRows(rows, weights), [1, 0.5]);
    expect(info.primal).toBe(0);
    expect(info.degenerate).toBe(1);
  });

  it('degenerate K = 3 with 0 in the hull: d is the projection of g0 onto the no-conflict cone', () => {
    // g0 = (1/3, 1/3); the cone {d : 2d1 >= 0, -d1 >= 0, d2 >= 0} is the ray d1 = 0, so d = (0, 1/3)
    const rows = [
      [2, 0],
      [-1, 0],
      [0, 1],
    ];
    const { weights, info } = solve(rows, 0.9);
    close(combineRows(rows, weights), [0, 1 / 3], 1e-9);
    expect(info.degenerate).toBe(1);
    expect(Math.abs(info.primal! - info.dual!)).toBeLessThan(1e-8);
  });

  it('K = 1: d = (1 + c) g, or g with the default rescale', () => {
    expect(Array.from(uvs({ c: 0.5, rescale: 'none' }).weights(gramOfRows([[1, 2]]), 1))).toEqual([1.5]);
    expect(uvs().weights(gramOfRows([[1, 2]]), 1)[0]).toBeCloseTo(1, 15);
  });

  it('gradients of scale 1e-10 and 1e15 give the same weights as scale 1', () => {
    const base = [
      [-4, 1, 1],
      [6, 1, 1],
      [1, -3, 2],
    ];
    const w = uvs().weights(gramOfRows(base), 3);
    for (const s of [1e-10, 1e15]) {
      const ws = uvs().weights(gramOfRows(base.map((r) => r.map((v) => v * s))), 3);
      close(Array.from(ws), Array.from(w), 1e-9);
    }
  });

  it('all gradients zero: the mean weights (d = 0), times the rescale factor', () => {
    expect(Array.from(uvs({ rescale: 'none' }).weights(new Float64Array(9), 3))).toEqual([
      1 / 3,
      1 / 3,
      1 / 3,
    ]);
    expect(Array.from(uvs({ c: 1 }).weights(new Float64Array(4), 2))).toEqual([0.25, 0.25]);
  });

  it('rescale and reduction scale d as documented', () => {
    const G = gramOfRows([
      [-4, 1, 1],
      [6, 1, 1],
    ]);
    const none = uvs({ c: 0.5, rescale: 'none' }).weights(G, 2);
    const one = uvs({ c: 0.5, rescale: 'one-plus-c' }).weights(G, 2);
    const two = uvs({ c: 0.5, rescale: 'one-plus-c2', reduction: 'sum' }).weights(G, 2);
    close(
      Array.from(one),
      Array.from(none).map((v) => v / 1.5),
      1e-15,
    );
    close(
      Array.from(two),
      Array.from(none).map((v) => (2 * v) / 1.25),
      1e-15,
    );
  });
});

describe('bad input', () => {
  const G = gramOfRows([
    [1, 0],
    [0, 1],
  ]);
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(GramianError);
      return (e as GramianError).code;
    }
    throw new Error('did not throw');
  };

  it('a bad G throws the typed GramianError of validateGram', () => {
    expect(code(() => uvs().weights(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2))).toBe('non-finite');
    expect(code(() => uvs().weights(Float64Array.of(-1, 0, 0, 1), 2))).toBe('negative-diagonal');
    expect(code(() => uvs().weights(Float64Array.of(1, 0.5, -0.5, 1), 2))).toBe('asymmetric');
    expect(code(() => uvs().weights(G, 3))).toBe('shape');
  });

  it('bad options throw invalid-option errors naming the option', () => {
    for (const options of [
      { c: -0.1 },
      { c: Number.NaN },
      { c: Number.POSITIVE_INFINITY },
      { c: 1e13 },
      { rescale: 'half' as never },
      { reduction: 'avg' as never },
      { solver: 'newton' as never },
      { general: { tolerance: 0 } },
      { general: { maxIterations: 2.5 } },
    ]) {
      expect(code(() => uvs(options))).toBe('invalid-option');
    }
    expect(() => uvs({ rescale: 'half' as never })).toThrow(/rescale/);
    expect(code(() => uvs({ solver: 'closed-form' }).weights(gramOfRows([[1], [2], [3]]), 3))).toBe('shape');
  });
});

describe('reading the weights of a converged source (unit weights and shares)', () => {
  it('λ of a gradient of norm 1e-9 exceeds 1e6, its unit weight and share stay at the scale of the update', () => {
    // g1 = (1, 0) still learning; g2, of norm 9e-10, a converged source in conflict with it (cos = -1/sqrt(2)).
    const n2 = 9e-10;
    const g1 = [1, 0];
    const g2 = [-n2 / Math.SQRT2, n2 / Math.SQRT2];
    const G = gramOfRows([g1, g2]);
    const w = uvs({ c: 0.5 }).weights(G, 2);
    expect(w[1]).toBeGreaterThan(1e6);
    const diag = gramDiagnostics(G, 2, w);
    // α_i = λ_i ||g_i||: bounded by the K = 2 formula's (1/K + c||g0||/||g_w||·w_i)||g_i|| <= ||g_i||/2 + c||g0||.
    const g0Norm = Math.hypot((g1[0]! + g2[0]!) / 2, (g1[1]! + g2[1]!) / 2);
    expect(diag.unitWeights![1]).toBeLessThanOrEqual(n2 / 2 + 0.5 * g0Norm + 1e-12);
    expect(diag.unitWeights![1]).toBeGreaterThan(0);
    expect(diag.shares![0]! + diag.shares![1]!).toBeCloseTo(1, 12);
    expect(diag.updateNorm!).toBeLessThan(1);
  });
});
