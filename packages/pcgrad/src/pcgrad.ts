import {
  applyReduction,
  checkChoice,
  correctInRandomOrder,
  GramianError,
  type JsonValue,
  type MethodState,
  type Reduction,
  validateGram,
  type Weighting,
  type WeightingResult,
} from '@cs-dfd/gramian';
import { Rng, type RngState } from '@cs-dfd/rng';

/** Options of {@link pcgrad}. */
export interface PCGradOptions {
  /**
   * Seed of the per-task projection order (default 0). For every call and every task i = 0..K-1 in turn, the
   * order is one `rng.permutation(K)` of `@cs-dfd/rng` (i itself skipped), so a run is reproducible.
   */
  seed?: number;
  /**
   * `'sum'` (default): d = Σ_i g_i^PC, the convention of the PCGrad paper's Algorithm 1, of its official code and of
   * torchjd (whose golden values this package reproduces). `'mean'`: d / K, comparable to the gradient of the mean
   * loss. The two differ by an effective learning-rate factor of K.
   */
  reduction?: Reduction;
}

/** The weighting returned by {@link pcgrad}: a {@link Weighting} whose random order can be restarted. */
export interface PCGradWeighting extends Weighting {
  /** Weights plus `info.projections`: how many (i, j) projections removed a conflict in this call. */
  solve(G: Float64Array, K: number): WeightingResult;
  /** Restarts the order stream from the seed. */
  reset(): void;
  /** The order stream's position as plain JSON: see {@link PCGradState}. */
  exportState(): PCGradState;
  /**
   * Continues from an {@link exportState} of an instance with the same options: the following calls return bit for
   * bit what that instance's would have. Throws a `GramianError` with code `invalid-state` naming the field when the
   * state is malformed; the instance is unchanged then.
   */
  importState(state: MethodState): void;
}

/**
 * PCGrad's state: only the position of its projection-order stream (the weights depend on nothing else). With K = 2
 * the order cannot change the result (each task has one other task), but the stream still advances, and with K ≥ 3
 * a lost position changes the updates.
 */
export interface PCGradState extends MethodState {
  /** The order stream's position (`@cs-dfd/rng` state: four uint32). */
  rng: [number, number, number, number];
}

/**
 * PCGrad — "Gradient Surgery for Multi-Task Learning" (Yu et al., NeurIPS 2020), Algorithm 1: for each task i, in
 * a random order over the other tasks j, when the current g_i^PC conflicts with the ORIGINAL g_j
 * (<g_i^PC, g_j> < 0), remove the component along g_j: g_i^PC -= <g_i^PC, g_j> / ||g_j||² · g_j. Then
 * d = Σ_i g_i^PC.
 *
 * Gram space: g_i^PC is kept as coefficients c over the original gradients (g_i^PC = Σ_k c_k g_k), so
 * <g_i^PC, g_j> = (G c)_j and the weights are w = Σ_i c^(i), computed from G alone.
 *
 * Promises: weights are invariant under G -> sG (s > 0), so d scales with the gradients; with K = 2 the update never
 * conflicts (<g_i, d> ≥ 0); a zero gradient is never projected on (there is no direction to remove).
 */
export function pcgrad(options: PCGradOptions = {}): PCGradWeighting {
  const seed = options.seed ?? 0;
  const reduction = options.reduction ?? 'sum';
  if (!Number.isFinite(seed)) {
    throw new GramianError('invalid-option', `pcgrad: option seed must be a finite number, got ${seed}`);
  }
  checkChoice('pcgrad', 'reduction', reduction, ['sum', 'mean']);
  let rng = new Rng(seed);

  const solve = (G: Float64Array, K: number): WeightingResult => {
    validateGram(G, K);
    const { weights, corrections } = correctInRandomOrder(
      K,
      (n) => rng.permutation(n),
      (c, _i, j) => {
        const gjj = G[j * K + j]!;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a valid (PSD) G with G_jj = 0 has row j = 0, so inner = 0 below returns false too
        if (gjj <= 0) return false;
        let inner = 0;
        for (let k = 0; k < K; k++) inner += G[j * K + k]! * c[k]!;
        if (inner >= 0) return false;
        c[j] = c[j]! - inner / gjj;
        return true;
      },
    );
    return { weights: applyReduction(weights, reduction), info: { projections: corrections } };
  };

  return {
    name: 'pcgrad',
    weights: (G, K) => solve(G, K).weights,
    solve,
    reset: () => {
      rng = new Rng(seed);
    },
    exportState: () => ({ rng: [...rng.state()] as [number, number, number, number] }),
    importState: (state) => {
      rng = new Rng(parseState(state));
    },
  };
}

function invalid(field: string, message: string, value: unknown): GramianError {
  return new GramianError(
    'invalid-state',
    `pcgrad.importState: ${field} ${message}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

/** Validates an exported state before anything is changed. */
function parseState(state: MethodState): RngState {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw invalid('state', 'must be an object { rng }', state);
  }
  const { rng, ...rest } = state as Record<string, JsonValue | undefined>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw invalid(extra[0]!, 'is not a field of the state { rng }', rest[extra[0]!]);
  if (
    !Array.isArray(rng) ||
    rng.length !== 4 ||
    !rng.every((v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32)
  ) {
    throw invalid('rng', 'must be four uint32 values', rng);
  }
  return [rng[0], rng[1], rng[2], rng[3]] as unknown as RngState;
}
