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
  /**
   * The weights of the *normalised* gradients, when weights were given: d = Σ_i α_i ĝ_i with ĝ_i = g_i / ||g_i||,
   * so α_i = w_i ||g_i|| (0 for a zero gradient). Unlike w, α stays on the scale of the update: a converged task
   * with ||g_i|| = 1e-9 may get w_i = 1e6 and yet contribute α_i = 1e-3 to d.
   */
  unitWeights?: number[];
  /**
   * α_i / Σ_j |α_j|, when weights were given: the part of the update's composition that comes from task i's
   * direction (Σ |share| = 1; all 0 when d is built from no direction). The number to read as "how much of the update
   * serves task i", comparable across steps and methods.
   */
  shares?: number[];
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
    const unitWeights = norms.map((n, i) => (n > 0 ? w[i]! * n : 0));
    let total = 0;
    for (const a of unitWeights) total += Math.abs(a);
    out.unitWeights = unitWeights;
    out.shares = unitWeights.map((a) => (total > 0 ? a / total : 0));
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
