/**
 * The aggregation contract (DESIGN §3.1). Almost every multi-task gradient method returns d = Σ_i w_i g_i with the
 * weights computed from the K×K Gram matrix G_ij = <g_i, g_j> alone, so a method is a function G -> w and the
 * P-sized work (building G, combining) is done once, by this package, for every method.
 */
export interface Weighting {
  /** Stable identifier, e.g. "uvs", "pcgrad". */
  readonly name: string;
  /**
   * Weights w (length K) for G given row-major K×K, float64. Must not mutate G. Must return finite weights for every
   * valid Gram matrix, including zero, identical, collinear and badly scaled gradients.
   */
  weights(G: Float64Array, K: number): Float64Array;
  /** Same weights plus method-specific numbers worth logging (e.g. the UVS certificate). */
  solve?(G: Float64Array, K: number): WeightingResult;
  /** Clears internal state of stateful methods (GradVac's EMA targets, PCGrad's RNG). */
  reset?(): void;
  /**
   * Stateful methods: everything that makes the next call differ from a fresh instance's (EMA targets, RNG
   * position), as plain JSON, so that a checkpoint can carry it and a resumed run continues bit for bit.
   */
  exportState?(): MethodState;
  /**
   * Restores a state from {@link Weighting.exportState} of an instance built with the same options. Throws a
   * `GramianError` with code `invalid-state` naming the field when the state is malformed.
   */
  importState?(state: MethodState): void;
}

/** JSON value (what `JSON.parse` returns). */
export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A stateful method's state as plain JSON (numbers, arrays, objects); see {@link Weighting.exportState}. */
export type MethodState = { [key: string]: JsonValue };

/** The output of {@link Weighting.solve}. */
export interface WeightingResult {
  weights: Float64Array;
  /** Scalar diagnostics; keys are method-specific and documented by each method. */
  info: Readonly<Record<string, number>>;
}

/**
 * A method that needs more than G (GradDrop: per-coordinate signs). Works on whole gradient vectors; keep rare.
 * `aggregate` takes K host vectors of equal length and returns the update.
 */
export interface VectorAggregator {
  readonly name: string;
  readonly kind: 'vector';
  aggregate(gradients: readonly Float64Array[]): Float64Array;
  /**
   * The same on TensorFlow.js gradient maps (K maps with equal keys and shapes), returning new tensors; lets
   * `@cs-dfd/gramian/tfjs`'s `aggregate` stay on the backend. Typed loosely so the host entry needs no tfjs.
   */
  aggregateTensors?(gradients: readonly Record<string, unknown>[]): Record<string, unknown>;
  reset?(): void;
  /** As {@link Weighting.exportState} (GradDrop's RNG position). */
  exportState?(): MethodState;
  /** As {@link Weighting.importState}. */
  importState?(state: MethodState): void;
}

/** Either kind of aggregator. */
export type Aggregator = Weighting | VectorAggregator;

/** True when the aggregator works on whole vectors rather than on G. */
export function isVectorAggregator(a: Aggregator): a is VectorAggregator {
  return (a as VectorAggregator).kind === 'vector';
}

/**
 * Scaling convention the anchors disagree on: `mean` makes d comparable to the gradient of the mean loss,
 * `sum` to the gradient of the summed loss (an effective learning-rate factor of K).
 */
export type Reduction = 'mean' | 'sum';

/** Multiplies weights in place by 1/K for `mean` (methods compute in the `sum` convention) and returns them. */
export function applyReduction(w: Float64Array, reduction: Reduction): Float64Array {
  if (reduction === 'mean') {
    const k = w.length;
    for (let i = 0; i < k; i++) w[i] = w[i]! / k;
  }
  return w;
}
