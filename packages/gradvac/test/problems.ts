/**
 * fast-check arbitraries for aggregation tests: Jacobians J (K rows) of a chosen rank, optionally with zero rows and
 * scaled by 10^e for e in [-10, 15], and their float64 Gram matrices. (Each optimizer package keeps its own copy so
 * that it stays installable and testable on its own.)
 */
import { gramOfRows } from '@cs-dfd/gramian';
import { symmetricEigen } from '@cs-dfd/gramian/linalg';
import { Rng } from '@cs-dfd/rng';
import fc from 'fast-check';

export interface Problem {
  K: number;
  /** Upper bound on rank(J) used to build it (J = A B with A K×rank). */
  rank: number;
  J: number[][];
  G: Float64Array;
  /** The 10^e factor applied to J. */
  scale: number;
}

export interface ProblemShape {
  minK?: number;
  maxK?: number;
  /** Force rank(J) = K (independent gradients, almost surely). */
  fullRank?: boolean;
  /** Let about one row in five be exactly zero. */
  zeroRows?: boolean;
  /** Multiply J by 10^e, e in [-10, 15]. */
  scaled?: boolean;
}

// Entries below 1e-6 in magnitude become exact zeros: keeps the scaled Gram matrices out of the subnormal range
// (whose lost bits are not what these tests are about) while still producing exact zeros and exact orthogonality.
const unit = fc.double({ min: -1, max: 1, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x));

const matrix = (rows: number, cols: number) =>
  fc.array(fc.array(unit, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });

function product(A: number[][], B: number[][], P: number): number[][] {
  return A.map((a) => Array.from({ length: P }, (_, p) => a.reduce((s, x, r) => s + x * B[r]![p]!, 0)));
}

/** Random problems of the given shape. */
export function problems(shape: ProblemShape = {}): fc.Arbitrary<Problem> {
  const { minK = 1, maxK = 6, fullRank = false, zeroRows = true, scaled = true } = shape;
  return fc
    .integer({ min: minK, max: maxK })
    .chain((K) =>
      fc.record({
        K: fc.constant(K),
        rank: fullRank ? fc.constant(K) : fc.integer({ min: 0, max: K }),
        P: fc.integer({ min: K, max: K + 4 }),
      }),
    )
    .chain(({ K, rank, P }) =>
      fc.record({
        K: fc.constant(K),
        rank: fc.constant(rank),
        A: matrix(K, rank),
        B: matrix(rank, P),
        P: fc.constant(P),
        zero: fc.array(zeroRows ? fc.integer({ min: 0, max: 4 }).map((x) => x === 0) : fc.constant(false), {
          minLength: K,
          maxLength: K,
        }),
        e: scaled ? fc.integer({ min: -10, max: 15 }) : fc.constant(0),
      }),
    )
    .map(({ K, rank, A, B, P, zero, e }) => {
      const scale = 10 ** e;
      const J = product(A, B, P).map((row, i) => row.map((x) => (zero[i] ? 0 : x * scale)));
      return { K, rank, J, G: gramOfRows(J), scale };
    });
}

/** d = wᵀ J. */
export function update(J: readonly (readonly number[])[], w: ArrayLike<number>): number[] {
  const P = J[0]!.length;
  return Array.from({ length: P }, (_, p) => J.reduce((s, row, i) => s + w[i]! * row[p]!, 0));
}

/** (G w)_i = <g_i, d>. */
export function decrease(G: ArrayLike<number>, w: ArrayLike<number>, K: number): number[] {
  return Array.from({ length: K }, (_, i) => {
    let s = 0;
    for (let j = 0; j < K; j++) s += G[i * K + j]! * w[j]!;
    return s;
  });
}

/** The published example of torchjd's test suite: J = [[-4, 1, 1], [6, 1, 1]]. */
export const GOLDEN_J = [
  [-4, 1, 1],
  [6, 1, 1],
];

/** Permutes the rows and columns of a K×K matrix: out[a][b] = G[perm[a]][perm[b]]. */
export function permuteGram(G: ArrayLike<number>, K: number, perm: readonly number[]): Float64Array {
  const out = new Float64Array(K * K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) out[a * K + b] = G[perm[a]! * K + perm[b]!]!;
  return out;
}

/**
 * Linearly independent gradients with a bounded condition number (λ_min/λ_max of G above `minRatio`): Gaussian
 * entries from a seeded `@cs-dfd/rng` stream (fast-check's doubles favour 0 and ±1, which make most small matrices
 * singular), per-row norms spread over two decades, and the same 10^e (e in [-10, 15]) scale as {@link problems}.
 */
export function independentProblems(minK = 1, maxK = 6, minRatio = 1e-6): fc.Arbitrary<Problem> {
  return fc
    .record({
      K: fc.integer({ min: minK, max: maxK }),
      extra: fc.integer({ min: 0, max: 4 }),
      seed: fc.integer(),
      e: fc.integer({ min: -10, max: 15 }),
    })
    .map(({ K, extra, seed, e }) => {
      const rng = new Rng(seed);
      const scale = 10 ** e;
      const J = Array.from({ length: K }, () => {
        const rowScale = 10 ** rng.uniform(-1, 1);
        return Array.from({ length: K + extra }, () => rng.normal() * rowScale * scale);
      });
      return { K, rank: K, J, G: gramOfRows(J), scale };
    })
    .filter(({ G, K }) => {
      const { values } = symmetricEigen(G, K);
      return values[0]! > minRatio * values[K - 1]!;
    });
}
