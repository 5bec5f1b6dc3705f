import { validateGram } from './gram.js';

/** What G (and optionally the chosen weights) says about the tasks' agreement (DESIGN §3.2). */
export interface GramDiagnostics {
  K: number;
  /** ||g_i|| */
  norms: number[];
  /** cos(g_i, g_j), row-major K×K; 0 where either gradient is zero (documented convention). */
  cosines: number[];
  /** Pairs i < j whose cosine is negative. */
  conflicts: Array<[number, number]>;
  /** Smallest pairwise cosine (1 when K = 1). */
  minCosine: number;
  /** max ||g_i|| / min ||g_i||; Infinity when some gradient is zero and another is not, 1 when all are zero. */
  normRatio: number;
  /** Per-task first-order decrease <g_i, d> = (G w)_i, when weights were given. */
  decrease?: number[];
  /** ||d|| = sqrt(wᵀ G w), when weights were given. */
  updateNorm?: number;
}

/** Diagnostics of §3.2 from G alone; pass `w` to also get the per-task decrease <g_i, d> and ||d||. */
export function gramDiagnostics(G: Float64Array, K: number, w?: ArrayLike<number>): GramDiagnostics {
  validateGram(G, K);
  const norms = Array.from({ length: K }, (_, i) => Math.sqrt(G[i * K + i]!));
  const cosines = new Array<number>(K * K).fill(0);
  const conflicts: Array<[number, number]> = [];
  let minCosine = 1;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const den = norms[i]! * norms[j]!;
      const c = den > 0 ? Math.max(-1, Math.min(1, G[i * K + j]! / den)) : 0;
      cosines[i * K + j] = i === j && den > 0 ? 1 : c;
      if (i < j) {
        if (c < 0) conflicts.push([i, j]);
        if (c < minCosine) minCosine = c;
      }
    }
  }
  const maxN = Math.max(...norms);
  const minN = Math.min(...norms);
  const normRatio = maxN === 0 ? 1 : minN === 0 ? Infinity : maxN / minN;
  const out: GramDiagnostics = { K, norms, cosines, conflicts, minCosine, normRatio };
  if (w !== undefined) {
    const decrease = new Array<number>(K).fill(0);
    let q = 0;
    for (let i = 0; i < K; i++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += G[i * K + j]! * w[j]!;
      decrease[i] = s;
      q += w[i]! * s;
    }
    out.decrease = decrease;
    out.updateNorm = Math.sqrt(Math.max(0, q));
  }
  return out;
}

/** Cosine between two vectors (0 when either is zero): used for split-half reliability and EMA cosines. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let p = 0; p < a.length; p++) {
    ab += a[p]! * b[p]!;
    aa += a[p]! * a[p]!;
    bb += b[p]! * b[p]!;
  }
  const den = Math.sqrt(aa) * Math.sqrt(bb);
  return den > 0 ? ab / den : 0;
}
