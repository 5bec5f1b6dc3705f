/** Gram-space arithmetic for stating the optimizers' promises (independent of the solvers under test). */

/** d = wᵀ J = Σ w_i g_i for gradients as the rows of J. */
export function update(J: readonly (readonly number[])[], w: ArrayLike<number>): number[] {
  const P = J[0]!.length;
  return Array.from({ length: P }, (_, p) => J.reduce((s, row, i) => s + w[i]! * row[p]!, 0));
}

/** (G w)_i = <g_i, d> for d = Σ w_j g_j: how much each task's loss decreases along d, to first order. */
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

/** max_i G_ii (0 for K = 0). */
export function maxDiag(G: ArrayLike<number>, K: number): number {
  let m = 0;
  for (let i = 0; i < K; i++) m = Math.max(m, G[i * K + i]!);
  return m;
}

/** G with rows and columns reordered: out[a][b] = G[perm[a]][perm[b]]. */
export function permuteGram(G: ArrayLike<number>, K: number, perm: readonly number[]): Float64Array {
  const out = new Float64Array(K * K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) out[a * K + b] = G[perm[a]! * K + perm[b]!]!;
  return out;
}

/**
 * Float64 Gram matrix G_ij = Σ over variables of <g_i[v], g_j[v]> of per-task gradient maps (variable name ->
 * values), keys in task 0's order: the host-side reference for a Gram matrix a step computed with tensors.
 */
export function gramOfMaps(grads: ReadonlyArray<Readonly<Record<string, ArrayLike<number>>>>): Float64Array {
  const K = grads.length;
  const G = new Float64Array(K * K);
  for (let i = 0; i < K; i++)
    for (let j = 0; j < K; j++)
      for (const k of Object.keys(grads[0]!)) {
        const a = grads[i]![k]!;
        const b = grads[j]![k]!;
        for (let p = 0; p < a.length; p++) G[i * K + j] = G[i * K + j]! + a[p]! * b[p]!;
      }
  return G;
}
