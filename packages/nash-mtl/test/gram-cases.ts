/**
 * fast-check generators of Gram matrices G = J Jᵀ from random task Jacobians J (K × P) of a chosen rank, with
 * zero, duplicated and opposite-collinear rows mixed in and an overall gradient scale from 1e-10 to 1e15, plus
 * small helpers to state the promises in Gram space. (Each optimizer package keeps its own copy: test code is
 * not part of any package's API.)
 */
import { gramOfRows } from '@cs-dfd/gramian';
import fc from 'fast-check';

export interface GramCase {
  K: number;
  /** rank of the factor before row edits (the rank of G is at most this, plus 1 for edited rows) */
  rank: number;
  J: number[][];
  G: Float64Array;
}

// Entries below 1e-6 become exact zeros: the promised gradient scales are 1e-10..1e15, and products of
// far smaller entries would be subnormal, where every float computation rounds absolutely.
const unit = fc.double({ min: -1, max: 1, noNaN: true }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x));

/** How a row is edited after J = A B: kept (most often), zeroed, a copy of row 0, or a negative multiple of it. */
const rowEdit = fc.oneof(
  { weight: 7, arbitrary: fc.constant<'keep'>('keep') },
  { weight: 1, arbitrary: fc.constant<'zero'>('zero') },
  { weight: 1, arbitrary: fc.constant<'copy'>('copy') },
  { weight: 1, arbitrary: fc.double({ min: 0.25, max: 4, noNaN: true }).map((c) => -c) },
);

/** Random Gram cases with K in [minK, maxK]. `scaled` (default true) multiplies J by 10^e, e in [-10, 15]. */
export function gramCases(minK: number, maxK: number, scaled = true): fc.Arbitrary<GramCase> {
  return fc.integer({ min: minK, max: maxK }).chain((K) =>
    fc
      .record({
        rank: fc.integer({ min: 0, max: K }),
        extra: fc.integer({ min: 0, max: 4 }),
        A: fc.array(unit, { minLength: K * K, maxLength: K * K }),
        B: fc.array(unit, { minLength: K * (K + 4), maxLength: K * (K + 4) }),
        edits: fc.array(rowEdit, { minLength: K, maxLength: K }),
        exponent: scaled ? fc.integer({ min: -10, max: 15 }) : fc.constant(0),
      })
      .map(({ rank, extra, A, B, edits, exponent }) => {
        const P = Math.max(rank, 1) + extra;
        const s = 10 ** exponent;
        const J: number[][] = [];
        for (let i = 0; i < K; i++) {
          const row: number[] = [];
          for (let p = 0; p < P; p++) {
            let v = 0;
            for (let r = 0; r < rank; r++) v += A[i * K + r]! * B[r * (K + 4) + p]!;
            row.push(v * s);
          }
          J.push(row);
        }
        for (let i = 1; i < K; i++) {
          const e = edits[i]!;
          if (e === 'zero') J[i] = J[i]!.map(() => 0);
          else if (e === 'copy') J[i] = J[0]!.slice();
          else if (typeof e === 'number') J[i] = J[0]!.map((v) => e * v);
        }
        if (edits[0] === 'zero') J[0] = J[0]!.map(() => 0);
        return { K, rank, J, G: gramOfRows(J) };
      }),
  );
}

/** (G w)_i = <g_i, d> for d = Σ w_j g_j. */
export function gramTimes(G: ArrayLike<number>, K: number, w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += G[i * K + j]! * w[j]!;
    out[i] = s;
  }
  return out;
}

/** Σ_j |G_ij w_j|: the size of the terms behind (Gw)_i, the yardstick for its rounding error. */
export function gramTimesAbs(G: ArrayLike<number>, K: number, w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += Math.abs(G[i * K + j]! * w[j]!);
    out[i] = s;
  }
  return out;
}

/** ||Σ (a_i − b_i) g_i||² = (a − b)ᵀ G (a − b): zero exactly when a and b give the same update d. */
export function updateDistanceSquared(
  G: ArrayLike<number>,
  K: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): number {
  const diff = Array.from({ length: K }, (_, i) => a[i]! - b[i]!);
  const Gd = gramTimes(G, K, diff);
  return diff.reduce((s, v, i) => s + v * Gd[i]!, 0);
}

/** max_i G_ii */
export function maxDiag(G: ArrayLike<number>, K: number): number {
  let m = 0;
  for (let i = 0; i < K; i++) m = Math.max(m, G[i * K + i]!);
  return m;
}

/** G with rows and columns reordered: out[i][j] = G[perm[i]][perm[j]]. */
export function permuteGram(G: ArrayLike<number>, K: number, perm: readonly number[]): Float64Array {
  const out = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) out[i * K + j] = G[perm[i]! * K + perm[j]!]!;
  return out;
}

/** A random permutation of 0..K-1 for a given K. */
export const permutationOf = (K: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray(
    Array.from({ length: K }, (_, i) => i),
    { minLength: K, maxLength: K },
  );
