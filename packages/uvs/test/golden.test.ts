import { gramOfRows } from '@cs-dfd/gramian';
import { describe, expect, it } from 'vitest';
import { solveGeneral, solveTwo, uvs } from '../src/index.js';
import { combineRows } from './helpers.js';

// torchjd's test suite (DESIGN §5): J = [[-4, 1, 1], [6, 1, 1]], CAGrad c = 0.5, no rescale, mean reduction.
const J = [
  [-4, 1, 1],
  [6, 1, 1],
];

describe('published golden value', () => {
  it('uvs(c = 0.5, rescale none) gives w = [0.7041, 0.5], d = [0.1835, 1.2041, 1.2041]', () => {
    const w = uvs({ c: 0.5, rescale: 'none' }).weights(gramOfRows(J), 2);
    expect(w[0]).toBeCloseTo(0.7041, 4);
    expect(w[1]).toBeCloseTo(0.5, 4);
    const d = combineRows(J, w);
    expect(d[0]).toBeCloseTo(0.1835, 4);
    expect(d[1]).toBeCloseTo(1.2041, 4);
    expect(d[2]).toBeCloseTo(1.2041, 4);
  });

  it('matches the hand derivation to rounding: w* = (1, 0), λ1 = 1/2 + c ||g0|| / ||g1|| = 1/2 + 1/(2√6)', () => {
    // g0 = (1, 1, 1), ||g0|| = √3, ||g1|| = √18; <g1, g0> = -2 < <g2, g0> = 8, and the vertex e1 is optimal.
    const G = gramOfRows(J);
    const expected = 0.5 + 1 / (2 * Math.sqrt(6));
    for (const sol of [solveTwo(G, 0.5), solveGeneral(G, 2, 0.5)]) {
      expect(Math.abs(sol.lambda[0]! - expected)).toBeLessThan(1e-12);
      expect(Math.abs(sol.lambda[1]! - 0.5)).toBeLessThan(1e-12);
      expect(Math.abs(sol.dualWeights[0]! - 1)).toBeLessThan(1e-12);
    }
  });
});
