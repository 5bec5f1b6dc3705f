/**
 * fast-check arbitraries of task Jacobians J (K rows, one gradient each) and their float64 Gram matrices
 * G = J Jᵀ: low-rank products A B, rows zeroed, copied or negated, and an overall gradient scale 10^e for
 * e in [-10, 15] (the range the optimizers promise to handle).
 */
import { gramOfRows } from '@cs-dfd/gramian';
import { symmetricEigen } from '@cs-dfd/gramian/linalg';
import { Rng } from '@cs-dfd/rng';
import fc from 'fast-check';

/** One random multi-task problem. */
export interface Problem {
  K: number;
  /** Upper bound on rank(J) used to build it (J = A B with A K×rank), before row edits. */
  rank: number;
  J: number[][];
  G: Float64Array;
  /** The 10^e factor applied to J. */
  scale: number;
}

/** The shape of {@link problems}. */
export interface ProblemShape {
  minK?: number;
  maxK?: number;
  /** Force rank(J) = K (independent gradients, almost surely). Default false. */
  fullRank?: boolean;
  /** Let about one row in five be exactly zero. Default true. */
  zeroRows?: boolean;
  /** Multiply J by 10^e, e in [-10, 15]. Default true. */
  scaled?: boolean;
}

/**
 * An entry in [-1, 1]. Entries below 1e-6 in magnitude become exact zeros: keeps the scaled Gram matrices out of
 * the subnormal range (whose lost bits are not what these tests are about) while still producing exact zeros and
 * exact orthogonality.
 */
export const unitEntry: fc.Arbitrary<number> = fc
  .double({ min: -1, max: 1, noNaN: true })
  .map((x) => (Math.abs(x) < 1e-6 ? 0 : x));

const matrix = (rows: number, cols: number) =>
  fc.array(fc.array(unitEntry, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });

const exponent = (scaled: boolean) => (scaled ? fc.integer({ min: -10, max: 15 }) : fc.constant(0));

/** s · A B for row-major nested A (K×r) and B (r×P). */
function scaledProduct(A: number[][], B: number[][], P: number, s: number): number[][] {
  return A.map((a) =>
    Array.from({ length: P }, (_, p) => a.reduce((acc, x, r) => acc + x * B[r]![p]!, 0) * s),
  );
}

/** K in [minK, maxK], a rank in [0, K] (K when `fullRank`), J = 10^e A B with P in [K, K + 4] columns. */
function lowRank(minK: number, maxK: number, fullRank: boolean, scaled: boolean) {
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
      fc
        .record({
          K: fc.constant(K),
          rank: fc.constant(rank),
          A: matrix(K, rank),
          B: matrix(rank, P),
          e: exponent(scaled),
        })
        .map(({ K, rank, A, B, e }) => ({ K, rank, scale: 10 ** e, J: scaledProduct(A, B, P, 10 ** e) })),
    );
}

/** Random problems of the given shape: J = 10^e A B, optionally with about one row in five zeroed. */
export function problems(shape: ProblemShape = {}): fc.Arbitrary<Problem> {
  const { minK = 1, maxK = 6, fullRank = false, zeroRows = true, scaled = true } = shape;
  return lowRank(minK, maxK, fullRank, scaled).chain(({ K, rank, scale, J }) =>
    fc
      .array(zeroRows ? fc.integer({ min: 0, max: 4 }).map((x) => x === 0) : fc.constant(false), {
        minLength: K,
        maxLength: K,
      })
      .map((zero) => {
        const rows = J.map((row, i) => (zero[i] ? row.map(() => 0) : row));
        return { K, rank, J: rows, G: gramOfRows(rows), scale };
      }),
  );
}

/** How a row i > 0 is edited after J = A B: kept (most often), zeroed, a copy of row 0, or a negative multiple of it. */
const rowEdit = fc.oneof(
  { weight: 7, arbitrary: fc.constant<'keep'>('keep') },
  { weight: 1, arbitrary: fc.constant<'zero'>('zero') },
  { weight: 1, arbitrary: fc.constant<'copy'>('copy') },
  { weight: 1, arbitrary: fc.double({ min: 0.25, max: 4, noNaN: true }).map((c) => -c) },
);

/**
 * Random problems with K in [minK, maxK] whose rows are also duplicated or opposite-collinear (the ties and
 * Pareto-stationary points of Gram-space solvers). `scaled` (default true) multiplies J by 10^e, e in [-10, 15].
 */
export function gramCases(minK: number, maxK: number, scaled = true): fc.Arbitrary<Problem> {
  return lowRank(minK, maxK, false, scaled).chain(({ K, rank, scale, J }) =>
    fc.array(rowEdit, { minLength: K, maxLength: K }).map((edits) => {
      const rows = J.map((row) => row.slice());
      for (let i = 1; i < K; i++) {
        const e = edits[i]!;
        if (e === 'zero') rows[i] = rows[i]!.map(() => 0);
        else if (e === 'copy') rows[i] = rows[0]!.slice();
        else if (typeof e === 'number') rows[i] = rows[0]!.map((v) => e * v);
      }
      if (edits[0] === 'zero') rows[0] = rows[0]!.map(() => 0);
      return { K, rank, J: rows, G: gramOfRows(rows), scale };
    }),
  );
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

/** A random permutation of 0..K-1 for a given K. */
export const permutationOf = (K: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray(
    Array.from({ length: K }, (_, i) => i),
    { minLength: K, maxLength: K },
  );

/** The published example of torchjd's test suite: J = [[-4, 1, 1], [6, 1, 1]]. */
export const GOLDEN_J: readonly (readonly number[])[] = [
  [-4, 1, 1],
  [6, 1, 1],
];
