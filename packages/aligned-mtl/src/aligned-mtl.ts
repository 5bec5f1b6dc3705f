import {
  checkOption,
  GramianError,
  validateGram,
  type Weighting,
  type WeightingResult,
} from '@cs-dfd/gramian';
import { float32Rcond, symmetricEigen } from '@cs-dfd/gramian/linalg';

/** Which eigenvalue sets the common length of the aligned gradients (the official code's `scale_mode`). */
export type AlignedMtlScale = 'min' | 'median' | 'rmse';

/** Options of {@link alignedMtl}. */
export interface AlignedMtlOptions {
  /**
   * `'min'` (default; torchjd's only mode and the official code's default): the smallest kept eigenvalue λ_R.
   * `'median'`: the median kept eigenvalue (the lower of the two middle ones when their number is even, as
   * `torch.median` in the official code). `'rmse'`: the mean kept eigenvalue.
   */
  scale?: AlignedMtlScale;
  /**
   * Preference vector p (length K; the final weights are w = B p). Default: 1/K for every task, as torchjd (the
   * official code sums the aligned gradients, p = 1, which is K times larger).
   */
  preference?: readonly number[];
  /**
   * Rank cut: eigenvalues at or below `rcond · λ_max` are dropped. Default K · 2⁻²³ (K times float32 epsilon), the
   * official code's and torchjd's `max(shape) · torch.finfo().eps`.
   */
  rcond?: number;
}

/** The weighting returned by {@link alignedMtl}. */
export interface AlignedMtlWeighting extends Weighting {
  /** Weights plus `info.rank` (eigenvalues kept) and `info.scale` (the eigenvalue σ² that sets the aligned lengths). */
  solve(G: Float64Array, K: number): WeightingResult;
}

/**
 * Aligned-MTL — "Independent Component Alignment for Multi-Task Learning" (Senushkin et al., CVPR 2023),
 * Algorithm 1, from G alone. With G = V Λ Vᵀ restricted to the R eigenvalues above the rank cut,
 *
 *   B = sqrt(σ²) · V_R Λ_R^{-1/2} V_Rᵀ,    w = B p,
 *
 * where σ² is the smallest (`'min'`), median or mean kept eigenvalue. The aligned gradients ĝ_i = Σ_j B_ij g_j have
 * Gram matrix B G B = σ² · (projector onto the range of G): for independent gradients they are orthogonal with the
 * same length σ, i.e. their Gram matrix has condition number 1. All gradients zero (R = 0): B = I, w = p.
 *
 * Weights are invariant under G -> sG, so d scales with the gradients.
 */
export function alignedMtl(options: AlignedMtlOptions = {}): AlignedMtlWeighting {
  const scale = options.scale ?? 'min';
  if (scale !== 'min' && scale !== 'median' && scale !== 'rmse') {
    throw new GramianError(
      'invalid-option',
      `alignedMtl: option scale must be 'min', 'median' or 'rmse', got ${String(scale)}`,
    );
  }
  if (options.rcond !== undefined) checkOption('alignedMtl', 'rcond', options.rcond, 0, 1);
  const preference = options.preference === undefined ? undefined : Float64Array.from(options.preference);
  preference?.forEach((p, i) => {
    if (!Number.isFinite(p)) {
      throw new GramianError('invalid-option', `alignedMtl: preference[${i}] must be finite, got ${p}`, {
        task: i,
      });
    }
  });

  const solve = (G: Float64Array, K: number): WeightingResult => {
    validateGram(G, K);
    if (preference !== undefined && preference.length !== K) {
      throw new GramianError(
        'shape',
        `alignedMtl: the preference vector has ${preference.length} entries but K = ${K}`,
      );
    }
    const p = preference ?? new Float64Array(K).fill(1 / K);
    const { values, vectors } = symmetricEigen(G, K);
    const lmax = Math.max(0, ...values);
    const cut = (options.rcond ?? float32Rcond(K)) * lmax;
    // values are ascending: the kept ones are a suffix
    const kept: number[] = [];
    for (let k = 0; k < K; k++) if (values[k]! > cut && values[k]! > 0) kept.push(k);
    if (kept.length === 0) return { weights: p.slice(), info: { rank: 0, scale: 0 } };
    const sigma2 = scaleOf(
      kept.map((k) => values[k]!),
      scale,
    );
    // w = B p = sqrt(σ²) Σ_k v_k (v_kᵀ p) / sqrt(λ_k)
    const w = new Float64Array(K);
    for (const k of kept) {
      let vp = 0;
      for (let i = 0; i < K; i++) vp += vectors[i * K + k]! * p[i]!;
      const f = (Math.sqrt(sigma2) / Math.sqrt(values[k]!)) * vp;
      for (let i = 0; i < K; i++) w[i] = w[i]! + f * vectors[i * K + k]!;
    }
    return { weights: w, info: { rank: kept.length, scale: sigma2 } };
  };

  return { name: 'aligned-mtl', weights: (G, K) => solve(G, K).weights, solve };
}

/** σ² from the kept eigenvalues (ascending). */
function scaleOf(kept: readonly number[], mode: AlignedMtlScale): number {
  switch (mode) {
    case 'min':
      return kept[0]!;
    case 'median': {
      // torch.median: the lower middle value, i.e. index (n - 1) / 2 of the ascending list, rounded down
      return kept[Math.floor((kept.length - 1) / 2)]!;
    }
    case 'rmse':
      return kept.reduce((s, x) => s + x, 0) / kept.length;
  }
}
