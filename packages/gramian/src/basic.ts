import type { Weighting } from './contract.js';
import { GramianError } from './errors.js';

/** Plain joint training: w = 1/K (the gradient of the mean loss). */
export function mean(): Weighting {
  return {
    name: 'mean',
    weights: (_G, K) => new Float64Array(K).fill(1 / K),
  };
}

/** w = 1 (the gradient of the summed loss). */
export function sum(): Weighting {
  return {
    name: 'sum',
    weights: (_G, K) => new Float64Array(K).fill(1),
  };
}

/** Fixed weights, e.g. `constant([1, 0])` to train on the first source only. */
export function constant(weights: readonly number[], name = 'constant'): Weighting {
  const w = Float64Array.from(weights);
  return {
    name,
    weights: (_G, K) => {
      if (K !== w.length) throw new GramianError('shape', `${name}: ${w.length} fixed weights but K = ${K}`);
      return w.slice();
    },
  };
}
