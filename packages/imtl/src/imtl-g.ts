import { checkOption, validateGram, type Weighting, type WeightingResult } from '@cs-dfd/gramian';
import { float32Rcond, matVec, pseudoInverseSym } from '@cs-dfd/gramian/linalg';

/** Options of {@link imtlG}. */
export interface ImtlGOptions {
  /**
   * Relative eigenvalue cut of the pseudo-inverse: eigenvalues of G below `rcond · λ_max` count as zero. Default
   * K · 2⁻²³ (K times float32 epsilon), which is what torchjd's `torch.linalg.pinv` uses on the float32 Gram matrices it
   * builds; ours are summed in float64 but accumulated per parameter in float32 on the backend.
   */
  rcond?: number;
}

/** The weighting returned by {@link imtlG}. */
export interface ImtlGWeighting extends Weighting {
  /**
   * Weights plus `info.projection` = 1/Σv: the common projection d·u_i of the update on every unit gradient when the
   * gradients are independent (0 when the weights are 0).
   */
  solve(G: Float64Array, K: number): WeightingResult;
}

/**
 * IMTL-G, the gradient part of "Towards Impartial Multi-task Learning" (Liu et al., ICLR 2021), in the pseudo-inverse
 * form of torchjd ("Jacobian Descent for Multi-Objective Optimization", Quinton & Rey, 2024):
 *
 *   v = G⁺ n,  n_i = sqrt(G_ii) = ||g_i||,   w = v / Σ_i v_i.
 *
 * When the gradients are linearly independent, G⁺ = G⁻¹ and (G w)_i = n_i / Σv, i.e. d = Σ w_i g_i has the same
 * projection 1/Σv on every unit gradient u_i = g_i/||g_i|| with Σ w_i = 1: exactly the paper's conditions. With
 * dependent gradients the pseudo-inverse extends it (torchjd's generalisation).
 *
 * Σv = 0 (e.g. two exactly opposite gradients, or all gradients zero) means no non-zero d has equal projections:
 * the weights are then 0. torchjd tests |Σv| < 1e-12 absolutely; this package tests it relative to Σ|v| so that the
 * result does not depend on the gradients' scale. Weights are invariant under G -> sG.
 */
export function imtlG(options: ImtlGOptions = {}): ImtlGWeighting {
  if (options.rcond !== undefined) checkOption('imtlG', 'rcond', options.rcond, 0, 1);

  const solve = (G: Float64Array, K: number): WeightingResult => {
    validateGram(G, K);
    const rcond = options.rcond ?? float32Rcond(K);
    const norms = Float64Array.from({ length: K }, (_, i) => Math.sqrt(G[i * K + i]!));
    const v = matVec(pseudoInverseSym(G, K, rcond), norms, K, K);
    let sum = 0;
    let abs = 0;
    for (let i = 0; i < K; i++) {
      sum += v[i]!;
      abs += Math.abs(v[i]!);
    }
    // |w| <= 1e12 past this test, so the weights are always finite (v = 0 gives 0 <= 0: zero weights).
    if (Math.abs(sum) <= 1e-12 * abs) return { weights: new Float64Array(K), info: { projection: 0 } };
    return { weights: v.map((x) => x / sum), info: { projection: 1 / sum } };
  };

  return { name: 'imtl-g', weights: (G, K) => solve(G, K).weights, solve };
}
