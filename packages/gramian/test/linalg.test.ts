// The small linear-algebra helpers of @cs-dfd/gramian/linalg, each against hand-computed values or the defining
// identities (Moore–Penrose conditions, KKT of the min-norm point).
import { describe, expect, it } from 'vitest';
import {
  dot,
  float32Rcond,
  gramFactor,
  matVec,
  minNormKktResidual,
  minNormOnSimplex,
  pseudoInverseSym,
  quadForm,
  solveLinear,
} from '../src/linalg.js';

const mul = (A: ArrayLike<number>, B: ArrayLike<number>, n: number) => {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k]! * B[k * n + j]!;
      C[i * n + j] = s;
    }
  return C;
};
const expectClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol);
};

describe('matVec, quadForm, dot', () => {
  it('match hand-computed values (non-square A, asymmetric x)', () => {
    // A = [[1, 2, 3], [4, 5, 6]], x = [1, -1, 2]
    expect(Array.from(matVec([1, 2, 3, 4, 5, 6], [1, -1, 2], 2, 3))).toEqual([5, 11]);
    // [[2, 1], [1, 3]], x = [1, 2]: 2 + 2·2 + 3·4 = 18
    expect(quadForm([2, 1, 1, 3], [1, 2], 2)).toBe(18);
    expect(quadForm([2, 1, 1, 3], [1, -2], 2)).toBe(10);
    expect(dot([1, 2, 3], [4, -5, 6])).toBe(12);
    expect(dot([], [])).toBe(0);
  });
});

describe('pseudoInverseSym', () => {
  it('inverts a non-singular SPD matrix', () => {
    // [[4, 2], [2, 3]]⁻¹ = [[3, -2], [-2, 4]] / 8
    expectClose(pseudoInverseSym([4, 2, 2, 3], 2), [3 / 8, -2 / 8, -2 / 8, 4 / 8], 1e-14);
  });

  it('rank-deficient: the Moore–Penrose inverse (A P A = A, P A P = P), known value', () => {
    // A = v vᵀ with v = (1, 2, 2): A⁺ = A / ||v||⁴ = A / 81
    const v = [1, 2, 2];
    const A = Float64Array.from({ length: 9 }, (_, e) => v[Math.floor(e / 3)]! * v[e % 3]!);
    const P = pseudoInverseSym(A, 3);
    expectClose(
      P,
      Array.from(A, (x) => x / 81),
      1e-14,
    );
    expectClose(mul(mul(A, P, 3), A, 3), A, 1e-12);
    expectClose(mul(mul(P, A, 3), P, 3), P, 1e-14);
  });

  it('drops eigenvalues at or below rcond·λmax, keeps those above', () => {
    // diag(1, 1e-6): rcond 1e-5 drops the second, the default keeps it, rcond = 1e-6 exactly drops it
    expectClose(pseudoInverseSym([1, 0, 0, 1e-6], 2, 1e-5), [1, 0, 0, 0], 0);
    expectClose(pseudoInverseSym([1, 0, 0, 1e-6], 2), [1, 0, 0, 1e6], 1e-6);
    expectClose(pseudoInverseSym([1, 0, 0, 1e-6], 2, 1e-6), [1, 0, 0, 0], 0);
    expectClose(pseudoInverseSym([0, 0, 0, 0], 2), [0, 0, 0, 0], 0);
    // negative (rounding) eigenvalues are never inverted
    expectClose(pseudoInverseSym([1, 0, 0, -1e-3], 2, 0), [1, 0, 0, 0], 0);
    expect(float32Rcond(4)).toBe(4 * 2 ** -23);
  });
});

describe('gramFactor', () => {
  it('JᵀJ = G, with negative rounding eigenvalues clamped to 0', () => {
    const G = [4, 2, 1, 2, 3, 0.5, 1, 0.5, 2];
    const J = gramFactor(G, 3);
    const JtJ = new Float64Array(9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 3; k++) JtJ[i * 3 + j]! += J[k * 3 + i]! * J[k * 3 + j]!;
    expectClose(JtJ, G, 1e-13);
    const Jn = gramFactor([1, 0, 0, -1e-17], 2);
    for (const v of Jn) expect(Number.isNaN(v)).toBe(false);
  });
});

describe('solveLinear', () => {
  it('solves with partial pivoting (a zero leading entry), and returns null when singular', () => {
    expectClose(solveLinear([0, 1, 1, 0], [2, 3], 2)!, [3, 2], 0);
    expectClose(solveLinear([2, 1, 1, 3], [3, 5], 2)!, [4 / 5, 7 / 5], 1e-15);
    // 3×3 needing a row swap after the first elimination
    const x = solveLinear([1, 2, 3, 2, 4, 7, 3, 7, 1], [6, 13, 11], 3)!;
    expectClose(x, [1, 1, 1], 1e-13);
    expect(solveLinear([1, 2, 2, 4], [1, 2], 2)).toBeNull();
    expect(solveLinear([0, 0, 0, 0], [1, 2], 2)).toBeNull();
    // singular to working precision: a pivot of 1e-15 of the scale
    expect(solveLinear([1, 1, 1, 1 + 1e-15], [1, 1], 2)).toBeNull();
    expect(solveLinear([1, 1, 1, 1 + 1e-12], [1, 1], 2)).not.toBeNull();
  });
});

describe('minNormOnSimplex', () => {
  it('gradients of very different norms: the exact weights, KKT residual at rounding level', () => {
    // g1 = (1e-6, 0), g2 = (-0.5e-6, 1e-6), g3 = (1, 1): the min-norm point mixes the two small ones, whose Gram
    // entries (1e-12) sit near the factor's absolute rounding (1e-16)
    const rows = [
      [1e-6, 0],
      [-0.5e-6, 1e-6],
      [1, 1],
    ];
    const G = new Float64Array(9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) G[i * 3 + j] = rows[i]![0]! * rows[j]![0]! + rows[i]![1]! * rows[j]![1]!;
    const w = minNormOnSimplex(G, 3);
    // exact: min over t of ||t g1 + (1 - t) g2||², t = <g2, g2 - g1> / ||g1 - g2||² = 1.75e-12 / 3.25e-12
    const t = 1.75 / 3.25;
    expect(Math.abs(w[0]! - t)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(w[1]! - (1 - t))).toBeLessThanOrEqual(1e-12);
    expect(w[2]).toBe(0);
    expect(minNormKktResidual(G, 3, w)).toBeLessThanOrEqual(1e-20);
  });

  it('G = 0 gives the uniform weights; the KKT residual of G = 0 is 0', () => {
    expect(Array.from(minNormOnSimplex(new Float64Array(4), 2))).toEqual([0.5, 0.5]);
    expect(minNormKktResidual(new Float64Array(4), 2, [1, 0])).toBe(0);
  });

  it('minNormKktResidual: 0 at the optimum, the violation elsewhere (relative to max G_ii)', () => {
    // G = diag(1, 4): optimum w = (0.8, 0.2), λ = 0.8
    const G = [1, 0, 0, 4];
    expect(minNormKktResidual(G, 2, [0.8, 0.2])).toBeLessThanOrEqual(1e-16);
    // w = (1, 0): Gw = (1, 0), λ = 1, r = (0, -1): residual max(-r) = 1, / 4
    expect(minNormKktResidual(G, 2, [1, 0])).toBe(0.25);
    // w = (0.5, 0.5): Gw = (0.5, 2), λ = 1.25, r = (-0.75, 0.75): max(0.75, 0.375) / 4
    expect(minNormKktResidual(G, 2, [0.5, 0.5])).toBe(0.75 / 4);
  });
});
