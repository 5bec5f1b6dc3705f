/**
 * @packageDocumentation
 * CAGrad (Conflict-Averse Gradient descent; Liu, Li, Stone, Liu, NeurIPS 2021, arXiv 2110.14048) on the
 * `@cs-dfd/gramian` contract. CAGrad and UVS pose the same problem (DESIGN §4), so this package reuses the exact
 * solvers of `@cs-dfd/uvs` and only sets CAGrad's conventions.
 */

import type { Weighting } from '@cs-dfd/gramian';
import { type Rescale, resolveUvsOptions, solveWeighting, type UvsOptions } from '@cs-dfd/uvs';

export type { Rescale } from '@cs-dfd/uvs';

/** Options of {@link cagrad}: those of `uvs()` with CAGrad's defaults. */
export interface CagradOptions extends UvsOptions {
  /** Radius c, relative to ||g0||. Default 0.5 (the paper's and torchjd's default). */
  c?: number;
  /**
   * Default `one-plus-c2`: the authors' multi-task code divides the update by 1 + c² (its `rescale=1`).
   * `none` reproduces torchjd's `CAGrad` weights; `one-plus-c` the authors' two-objective toy.
   */
  rescale?: Rescale;
}

/** CAGrad's defaults. */
export const CAGRAD_DEFAULTS = { c: 0.5, rescale: 'one-plus-c2', reduction: 'mean', name: 'cagrad' } as const;

/**
 * CAGrad: d = argmax_d min_i <g_i, d> s.t. ||d - g0|| <= c ||g0||, solved exactly in Gram space (closed form at
 * K = 2), then divided by 1 + c². `solve` returns the duality certificate in `info` (see `@cs-dfd/uvs`).
 */
export function cagrad(options: CagradOptions = {}): Weighting {
  const resolved = resolveUvsOptions(options, CAGRAD_DEFAULTS);
  return {
    name: resolved.name,
    weights: (G, K) => solveWeighting(G, K, resolved).weights,
    solve: (G, K) => solveWeighting(G, K, resolved),
  };
}
