import {
  checkFiniteGradients,
  GramianError,
  type HostVector,
  type JsonValue,
  type MethodState,
  type Reduction,
  taskLabel,
  type VectorAggregator,
} from '@cs-dfd/gramian';
import { parameterNames, throwNonFinite } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { seededUniforms, type UniformSource } from './uniforms.js';

/** Options of {@link gradDrop}. */
export interface GradDropOptions {
  /** Seed of the uniform draws (default 0); ignored when `uniforms` is given. */
  seed?: number;
  /** The uniform draws to use instead of `seededUniforms(seed)`: share one source to replay the same drops. */
  uniforms?: UniformSource;
  /**
   * Leak ℓ_i in [0, 1] per task (one number for all): task i contributes (ℓ_i + (1 − ℓ_i) M_i) g_i, so ℓ_i = 1
   * never drops it. Default 0 (the paper's plain GradDrop).
   */
  leak?: number | readonly number[];
  /** `'sum'` (default, as the paper and torchjd) or `'mean'` (divide by K: an effective learning-rate factor of K). */
  reduction?: Reduction;
}

/** The aggregator returned by {@link gradDrop}: host vectors and TensorFlow.js gradient maps. */
export interface GradDrop extends VectorAggregator {
  /** GradDrop on K host vectors of equal length (float64 arithmetic); consumes one draw per coordinate. */
  aggregate(gradients: readonly HostVector[]): Float64Array;
  /**
   * GradDrop on K gradient maps with equal keys and shapes, on the backend; returns new tensors (the caller owns
   * them). Draws are consumed per parameter in task 0's key order, row-major inside each tensor — the order in which
   * `@cs-dfd/gramian/tfjs` flattens maps — so the same source gives the same drops as {@link GradDrop.aggregate} on
   * the flattened vectors.
   */
  aggregateTensors(gradients: readonly tf.NamedTensorMap[]): tf.NamedTensorMap;
  /** Restarts the uniform stream. */
  reset(): void;
  /**
   * The uniform stream's position as plain JSON ({@link GradDropState}); present when the uniform source can export
   * its state, as `seededUniforms` (the default) does.
   */
  exportState?(): GradDropState;
  /**
   * Continues from an {@link GradDrop.exportState} of an instance with the same options: the following calls draw
   * the same uniforms, so return bit for bit what that instance's would have. Throws a `GramianError` with code
   * `invalid-state` naming the field when the state is malformed; the instance is unchanged then.
   */
  importState?(state: MethodState): void;
}

/** GradDrop's state: only its uniform source's (the drops depend on nothing else besides the gradients). */
export interface GradDropState extends MethodState {
  /** The uniform source's `exportState()`: `{ rng: [four uint32] }` for `seededUniforms`. */
  uniforms: MethodState;
}

/**
 * GradDrop — "Just Pick a Sign: Optimizing Deep Multitask Models with Gradient Sign Dropout" (Chen et al., NeurIPS
 * 2020), vector-level as in torchjd: per coordinate, the positive sign purity P = ½ (1 + Σ_i g_i / Σ_i |g_i|) and a
 * uniform draw U; if P > U only the positive entries are kept, if P < U only the negative ones, and
 * d = Σ_i (ℓ_i + (1 − ℓ_i) M_i) g_i. So a coordinate keeps its positive part with probability P, and a coordinate
 * where all tasks agree in sign (P ∈ {0, 1}) is never dropped. A coordinate where every gradient is 0 gives 0.
 *
 * GradDrop needs element signs, not just G, so it implements the vector-level contract; `aggregate` from
 * `@cs-dfd/gramian/tfjs` calls {@link GradDrop.aggregateTensors} and stays on the backend (the draws are made on the
 * host and uploaded, which is also what `tf.randomUniform` does).
 */
export function gradDrop(options: GradDropOptions = {}): GradDrop {
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) {
    throw new GramianError('invalid-option', `gradDrop: option seed must be a finite number, got ${seed}`);
  }
  const reduction = options.reduction ?? 'sum';
  if (reduction !== 'sum' && reduction !== 'mean') {
    throw new GramianError(
      'invalid-option',
      `gradDrop: option reduction must be 'sum' or 'mean', got ${String(reduction)}`,
    );
  }
  const leakOption = options.leak ?? 0;
  const leaks = typeof leakOption === 'number' ? [leakOption] : [...leakOption];
  leaks.forEach((l, i) => {
    if (!(l >= 0 && l <= 1)) {
      throw new GramianError(
        'invalid-option',
        `gradDrop: leak${typeof leakOption === 'number' ? '' : `[${i}]`} must be in [0, 1], got ${l}`,
        typeof leakOption === 'number' ? {} : { task: i },
      );
    }
  });
  const uniforms = options.uniforms ?? seededUniforms(seed);

  const leakFor = (K: number): number[] => {
    if (typeof leakOption === 'number') return new Array<number>(K).fill(leakOption);
    if (leaks.length !== K) {
      throw new GramianError('shape', `gradDrop: ${leaks.length} leak values but K = ${K} tasks`);
    }
    return leaks;
  };
  const scale = (K: number) => (reduction === 'mean' ? 1 / K : 1);

  const aggregate = (gradients: readonly HostVector[]): Float64Array => {
    const K = gradients.length;
    if (K === 0) throw new GramianError('shape', 'gradDrop: no gradients given (K = 0)');
    const n = gradients[0]!.length;
    gradients.forEach((g, i) => {
      if (g.length !== n) {
        throw new GramianError(
          'shape',
          `gradDrop: ${taskLabel(i)} has ${g.length} entries, task 0 has ${n}: all gradients must have the same length`,
          { task: i },
        );
      }
    });
    checkFiniteGradients(gradients);
    const leak = leakFor(K);
    const u = uniforms.next(n);
    const out = new Float64Array(n);
    const f = scale(K);
    for (let p = 0; p < n; p++) {
      let sum = 0;
      let abs = 0;
      for (let i = 0; i < K; i++) {
        const x = gradients[i]![p]!;
        sum += x;
        abs += Math.abs(x);
      }
      if (abs === 0) continue;
      const purity = 0.5 * (1 + sum / abs);
      const keepPositive = purity > u[p]!;
      const keepNegative = purity < u[p]!;
      let d = 0;
      for (let i = 0; i < K; i++) {
        const x = gradients[i]![p]!;
        const kept = (keepPositive && x > 0) || (keepNegative && x < 0);
        d += (kept ? 1 : leak[i]!) * x;
      }
      out[p] = f * d;
    }
    return out;
  };

  const aggregateTensors = (gradients: readonly tf.NamedTensorMap[]): tf.NamedTensorMap => {
    const keys = parameterNames(gradients);
    if (keys.length === 0) return {};
    const K = gradients.length;
    const leak = leakFor(K);
    const sizes = keys.map((k) => gradients[0]![k]!.size);
    const u = uniforms.next(sizes.reduce((a, b) => a + b, 0));
    const f = scale(K);
    let offset = 0;
    const out: tf.NamedTensorMap = {};
    const finiteFlags: tf.Tensor[] = [];
    keys.forEach((key, b) => {
      const ref = gradients[0]![key]!;
      const draws = u.subarray(offset, offset + sizes[b]!);
      offset += sizes[b]!;
      out[key] = tf.tidy(() => {
        const U = tf.tensor(Float32Array.from(draws), ref.shape, 'float32');
        const gs = gradients.map((g) => tf.cast(g[key]!, 'float32'));
        const sum = gs.reduce((acc, g) => tf.add(acc, g));
        const abs = gs.map((g) => tf.abs(g)).reduce((acc, g) => tf.add(acc, g));
        // Σ|g_i| is finite exactly when every task's entries are (short of float32 overflow)
        finiteFlags.push(tf.keep(tf.all(tf.isFinite(abs))));
        // abs = 0 only where every gradient is 0; any purity gives 0 there
        const purity = tf.mul(tf.add(tf.divNoNan(sum, abs), 1), 0.5);
        // The kept part is all positive entries or all negative ones, so only two weighted sums are needed:
        // with no leak, Σ max(g_i, 0) = (sum + abs) / 2 and Σ min(g_i, 0) = (sum - abs) / 2.
        let positive: tf.Tensor;
        let negative: tf.Tensor;
        let leaked: tf.Tensor | null = null;
        if (leak.every((l) => l === 0)) {
          positive = tf.mul(tf.add(sum, abs), 0.5);
          negative = tf.mul(tf.sub(sum, abs), 0.5);
        } else {
          const parts = gs.map((g, i) => {
            const up = tf.relu(g);
            return {
              up: tf.mul(up, 1 - leak[i]!),
              down: tf.mul(tf.sub(g, up), 1 - leak[i]!),
              all: tf.mul(g, leak[i]!),
            };
          });
          positive = parts.map((q) => q.up).reduce((x, y) => tf.add(x, y));
          negative = parts.map((q) => q.down).reduce((x, y) => tf.add(x, y));
          leaked = parts.map((q) => q.all).reduce((x, y) => tf.add(x, y));
        }
        const kept = tf.where(
          tf.greater(purity, U),
          positive,
          tf.where(tf.less(purity, U), negative, tf.zerosLike(positive)),
        );
        const d = leaked === null ? kept : tf.add(leaked, kept);
        return f === 1 ? d : tf.mul(d, f);
      });
    });
    // One scalar download for all parameters; only on failure search for the task and parameter to name.
    const finite = tf.tidy(() => tf.all(tf.stack(finiteFlags)).dataSync()[0]);
    for (const t of finiteFlags) t.dispose();
    if (!finite) {
      for (const t of Object.values(out)) t.dispose();
      throwNonFinite(gradients);
    }
    return out;
  };

  const exportState = uniforms.exportState?.bind(uniforms);
  const importInto = uniforms.importState?.bind(uniforms);
  return {
    name: 'graddrop',
    kind: 'vector',
    aggregate,
    aggregateTensors,
    reset: () => uniforms.reset?.(),
    // Only a source that can save and restore its position makes GradDrop resumable; a custom source without
    // them leaves both members absent, so a trainer knows it cannot checkpoint this instance.
    ...(exportState === undefined || importInto === undefined
      ? {}
      : {
          exportState: (): GradDropState => ({ uniforms: exportState() }),
          importState: (state: MethodState) => {
            if (state === null || typeof state !== 'object' || Array.isArray(state)) {
              throw invalidState('state', 'must be an object { uniforms }', state);
            }
            const { uniforms: inner, ...rest } = state as Record<string, JsonValue | undefined>;
            const extra = Object.keys(rest)[0];
            if (extra !== undefined) {
              throw invalidState(extra, 'is not a field of the state { uniforms }', rest[extra]);
            }
            if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
              throw invalidState('uniforms', 'must be an object (the uniform source state)', inner);
            }
            try {
              importInto(inner as MethodState);
            } catch (e) {
              if (e instanceof GramianError) {
                throw new GramianError('invalid-state', `gradDrop.importState: uniforms: ${e.message}`);
              }
              throw e;
            }
          },
        }),
  };
}

function invalidState(field: string, message: string, value: unknown): GramianError {
  return new GramianError(
    'invalid-state',
    `gradDrop.importState: ${field} ${message}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}
