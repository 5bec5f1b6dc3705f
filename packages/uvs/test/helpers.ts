/** Test helpers shared by the UVS suites: random gradient sets and Gram-space distances. */
import { gramOfRows } from '@cs-dfd/gramian';
import fc from 'fast-check';

/** A set of K gradients in R^P as rows. */
export type Rows = number[][];

/** K random rows in R^P with entries in [-1, 1]; `rank` < K makes some rows combinations of others. */
export function rowsArb(
  opts: { minK?: number; maxK?: number; minP?: number; maxP?: number; fullRank?: boolean } = {},
) {
  const { minK = 2, maxK = 5, minP = 1, maxP = 6, fullRank = false } = opts;
  return fc
    .record({
      K: fc.integer({ min: minK, max: maxK }),
      P: fc.integer({ min: minP, max: maxP }),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      rank: fc.integer({ min: 1, max: maxK }),
    })
    .filter(({ K, P }) => !fullRank || K <= P)
    .map(({ K, P, seed, rank }) => {
      let s = seed;
      const rnd = () => {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        return (s / 2 ** 32) * 2 - 1;
      };
      const base: Rows = Array.from({ length: K }, () => Array.from({ length: P }, rnd));
      if (fullRank) return base;
      const k = Math.min(rank, K);
      // rows beyond k are random combinations of the first k: collinear and rank-deficient sets
      for (let i = k; i < K; i++) {
        const coef = Array.from({ length: k }, rnd);
        base[i] = base[0]!.map((_, p) => coef.reduce((acc, cf, j) => acc + cf * base[j]![p]!, 0));
      }
      return base;
    });
}

export const gramOf = (rows: Rows): Float64Array => gramOfRows(rows);

/** d = Σ λ_i g_i in R^P. */
export function combineRows(rows: Rows, lambda: ArrayLike<number>): number[] {
  return rows[0]!.map((_, p) => rows.reduce((acc, r, i) => acc + lambda[i]! * r[p]!, 0));
}

export const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
export const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));
export const meanRow = (rows: Rows) =>
  rows[0]!.map((_, p) => rows.reduce((s, r) => s + r[p]!, 0) / rows.length);

/** ||Σ (x_i - y_i) g_i|| computed from G. */
export function gramDistance(
  G: ArrayLike<number>,
  K: number,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): number {
  let q = 0;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) q += (x[i]! - y[i]!) * G[i * K + j]! * (x[j]! - y[j]!);
  }
  return Math.sqrt(Math.max(0, q));
}

/** Largest gradient norm, the natural unit for errors in d. */
export function maxNorm(G: ArrayLike<number>, K: number): number {
  let m = 0;
  for (let i = 0; i < K; i++) m = Math.max(m, Math.sqrt(G[i * K + i]!));
  return m;
}
