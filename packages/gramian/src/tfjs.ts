/**
 * The aggregation contract on TensorFlow.js tensors: per-task gradients as `NamedTensorMap`s (what
 * `tf.variableGrads(...).grads` returns). P-sized work stays on the backend: one fused pass to build G
 * (a K×K matMul per parameter, summed on the device, one K×K download), one pass to combine.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Aggregator, isVectorAggregator, type Weighting } from './contract.js';
import { type GramDiagnostics, gramDiagnostics } from './diagnostics.js';
import { GramianError, taskLabel } from './errors.js';
import { checkWeights, validateGram } from './gram.js';

/** Per-task gradients keyed by variable name. */
export type GradientMaps = readonly tf.NamedTensorMap[];

/** Checks that every task has the same parameter names and shapes; returns the names in task 0's order. */
export function parameterNames(grads: GradientMaps, names?: readonly string[]): string[] {
  if (grads.length === 0) throw new GramianError('shape', 'no gradients given (K = 0)');
  const keys = Object.keys(grads[0]!);
  for (let i = 1; i < grads.length; i++) {
    const gi = grads[i]!;
    const ki = Object.keys(gi);
    if (ki.length !== keys.length) {
      throw new GramianError(
        'shape',
        `${taskLabel(i, names)} has ${ki.length} parameters, task 0 has ${keys.length}: [${ki.join(', ')}] vs [${keys.join(', ')}]`,
        { task: i },
      );
    }
    for (const k of keys) {
      const t = gi[k];
      if (t === undefined) {
        throw new GramianError('shape', `${taskLabel(i, names)} has no gradient for parameter "${k}"`, {
          task: i,
          parameter: k,
        });
      }
      if (!tf.util.arraysEqual(t.shape, grads[0]![k]!.shape)) {
        throw new GramianError(
          'shape',
          `${taskLabel(i, names)}: parameter "${k}" has shape [${t.shape}] but task 0 has [${grads[0]![k]!.shape}]`,
          { task: i, parameter: k },
        );
      }
    }
  }
  return keys;
}

/** Locates the first task/parameter holding NaN or ±Inf and throws a `non-finite` error naming both. */
export function throwNonFinite(grads: GradientMaps, names?: readonly string[]): never {
  for (let i = 0; i < grads.length; i++) {
    for (const [k, t] of Object.entries(grads[i]!)) {
      const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(t))).dataSync()[0]);
      if (bad) {
        throw new GramianError(
          'non-finite',
          `${taskLabel(i, names)}: gradient of "${k}" contains NaN or Inf`,
          {
            task: i,
            parameter: k,
            ...(names?.[i] === undefined ? {} : { taskName: names[i] }),
          },
        );
      }
    }
  }
  throw new GramianError('non-finite', 'the Gram matrix is not finite (overflow of a very large gradient)');
}

/**
 * Stacks task gradients of one parameter as a K×n matrix. Float32 on the backend: G is accumulated per parameter
 * on the device in float32 and summed across parameters in float64 on the host.
 */
function stacked(grads: GradientMaps, key: string): tf.Tensor2D {
  return tf.stack(grads.map((g) => tf.reshape(g[key]!, [-1]))) as tf.Tensor2D;
}

/**
 * G_ij = <g_i, g_j> over all parameters. One matMul per parameter; the K×K blocks are summed on the device and
 * downloaded once. Throws a typed error naming the task and parameter when a gradient is not finite.
 */
export function gramOfTensors(grads: GradientMaps, names?: readonly string[]): Float64Array {
  const keys = parameterNames(grads, names);
  const K = grads.length;
  const blocks = tf.tidy(() => {
    const parts = keys.map((k) => {
      const M = stacked(grads, k);
      return tf.matMul(M, M, false, true);
    });
    return parts.length === 1 ? parts[0]! : tf.stack(parts);
  });
  const raw = blocks.dataSync();
  blocks.dispose();
  const G = new Float64Array(K * K);
  for (let b = 0; b < raw.length; b += K * K) {
    for (let e = 0; e < K * K; e++) G[e] = G[e]! + raw[b + e]!;
  }
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      const s = 0.5 * (G[i * K + j]! + G[j * K + i]!);
      G[i * K + j] = s;
      G[j * K + i] = s;
    }
  }
  for (let e = 0; e < K * K; e++) if (!Number.isFinite(G[e]!)) throwNonFinite(grads, names);
  validateGram(G, K, names);
  return G;
}

/** d = Σ_i w_i g_i per parameter (new tensors; the caller owns them). */
export function combineTensors(grads: GradientMaps, w: ArrayLike<number>): tf.NamedTensorMap {
  const keys = parameterNames(grads);
  checkWeights(w, grads.length, 'combine');
  return tf.tidy(() => {
    const out: tf.NamedTensorMap = {};
    for (const k of keys) {
      let acc: tf.Tensor | null = null;
      for (let i = 0; i < grads.length; i++) {
        const wi = w[i]!;
        if (wi === 0) continue;
        const term = tf.mul(grads[i]![k]!, tf.scalar(wi));
        acc = acc === null ? term : tf.add(acc, term);
      }
      out[k] = acc ?? tf.zerosLike(grads[0]![k]!);
    }
    return out;
  });
}

/** Result of {@link aggregate}. `update` is newly allocated; dispose it (or hand it to an optimizer) when done. */
export interface Aggregation {
  update: tf.NamedTensorMap;
  /** Weights chosen (for vector aggregators: NaN-free least-squares weights are not defined, so empty). */
  weights: Float64Array;
  G: Float64Array;
  diagnostics: GramDiagnostics;
  /** Method-specific scalars from {@link Weighting.solve} (e.g. the UVS certificate). */
  info: Readonly<Record<string, number>>;
}

/**
 * The whole contract in one call: G from the task gradients, weights from the method, d = Σ w_i g_i, and the
 * diagnostics. Vector aggregators (GradDrop) get the flattened gradients on the host instead.
 */
export function aggregate(grads: GradientMaps, method: Aggregator, names?: readonly string[]): Aggregation {
  const K = grads.length;
  const G = gramOfTensors(grads, names);
  if (isVectorAggregator(method) && method.aggregateTensors) {
    const update = method.aggregateTensors(grads) as tf.NamedTensorMap;
    return { update, weights: new Float64Array(0), G, diagnostics: gramDiagnostics(G, K), info: {} };
  }
  if (isVectorAggregator(method)) {
    const keys = parameterNames(grads, names);
    const flat = grads.map((g) => {
      const t = tf.tidy(() => tf.concat(keys.map((k) => tf.reshape(g[k]!, [-1]))));
      const host = Float64Array.from(t.dataSync());
      t.dispose();
      return host;
    });
    const d = method.aggregate(flat);
    const update: tf.NamedTensorMap = {};
    let offset = 0;
    for (const k of keys) {
      const ref = grads[0]![k]!;
      update[k] = tf.tensor(Float32Array.from(d.subarray(offset, offset + ref.size)), ref.shape, 'float32');
      offset += ref.size;
    }
    return { update, weights: new Float64Array(0), G, diagnostics: gramDiagnostics(G, K), info: {} };
  }
  const w = method as Weighting;
  const solved = w.solve ? w.solve(G, K) : { weights: w.weights(G, K), info: {} };
  checkWeights(solved.weights, K, w.name);
  return {
    update: combineTensors(grads, solved.weights),
    weights: solved.weights,
    G,
    diagnostics: gramDiagnostics(G, K, solved.weights),
    info: solved.info,
  };
}

/** Disposes every tensor of the given maps. */
export function disposeMaps(...maps: readonly tf.NamedTensorMap[]): void {
  for (const m of maps) for (const t of Object.values(m)) t.dispose();
}

/** What {@link EmaCosineTracker.snapshot} returns and {@link EmaCosineTracker.restore} takes. */
export interface EmaCosineSnapshot {
  /** Steps folded in (0: nothing yet, `ema` is then empty). */
  count: number;
  /** Per task, the EMA of its gradient keyed by parameter name (equal keys and shapes across tasks). */
  ema: tf.NamedTensorMap[];
}

/**
 * Low-noise conflict estimate (DESIGN §3.2): cosines between exponential moving averages of the per-task
 * gradients, m_i ← β m_i + (1 − β) g_i (m_i starts at the first step's g_i, so there is no zero-start bias to
 * correct). A minibatch cosine's sign is mostly sampling noise; the EMA averages it out. The EMAs are float32
 * tensors on the backend (K × P numbers); only the K×K Gram matrix of the EMAs is downloaded per update.
 */
export class EmaCosineTracker {
  private ema: tf.NamedTensorMap[] | null = null;
  private steps = 0;
  constructor(readonly beta = 0.9) {
    if (!(beta >= 0 && beta < 1))
      throw new GramianError('invalid-option', `EmaCosineTracker: beta must be in [0, 1), got ${beta}`);
  }

  /**
   * Folds in one step's gradients (not disposed, only read during the call) and returns the K×K row-major cosine
   * matrix of the EMAs (0 where an EMA is zero, as {@link gramDiagnostics}).
   */
  update(grads: GradientMaps): number[] {
    const keys = parameterNames(grads);
    if (this.ema !== null) checkSameLayout(this.ema, grads, 'EmaCosineTracker.update');
    const prev = this.ema;
    this.ema = grads.map((g, i) => {
      const next: tf.NamedTensorMap = {};
      for (const k of keys) {
        next[k] = tf.tidy(() =>
          prev === null
            ? tf.clone(g[k]!)
            : tf.add(tf.mul(prev[i]![k]!, this.beta), tf.mul(g[k]!, 1 - this.beta)),
        );
      }
      return next;
    });
    if (prev !== null) disposeMaps(...prev);
    this.steps++;
    return gramDiagnostics(gramOfTensors(this.ema), grads.length).cosines;
  }

  /** Number of steps folded in. */
  get count(): number {
    return this.steps;
  }

  /** A copy of the state (new tensors, owned by the caller) for a checkpoint. */
  snapshot(): EmaCosineSnapshot {
    return {
      count: this.steps,
      ema: (this.ema ?? []).map((m) => {
        const out: tf.NamedTensorMap = {};
        for (const [k, t] of Object.entries(m)) out[k] = tf.clone(t);
        return out;
      }),
    };
  }

  /**
   * Replaces the state with a copy of `snapshot` (its tensors stay the caller's). The next `update` then gives
   * bit for bit what it would have given after the steps the snapshot saw. Throws `invalid-state` when the count
   * and the maps disagree or the maps differ in keys or shapes.
   */
  restore(snapshot: EmaCosineSnapshot): void {
    const { count, ema } = snapshot;
    if (!(Number.isInteger(count) && count >= 0)) {
      throw new GramianError(
        'invalid-state',
        `EmaCosineTracker.restore: count must be an integer >= 0, got ${count}`,
      );
    }
    if ((count === 0) !== (ema.length === 0)) {
      throw new GramianError(
        'invalid-state',
        `EmaCosineTracker.restore: count ${count} with ${ema.length} EMA maps (both or neither must be 0)`,
      );
    }
    if (ema.length > 0) {
      try {
        parameterNames(ema);
      } catch (e) {
        throw new GramianError('invalid-state', `EmaCosineTracker.restore: ${(e as Error).message}`);
      }
    }
    const copy = ema.map((m) => {
      const out: tf.NamedTensorMap = {};
      for (const [k, t] of Object.entries(m)) out[k] = tf.clone(t);
      return out;
    });
    this.dispose();
    this.ema = copy.length === 0 ? null : copy;
    this.steps = count;
  }

  /** Frees the EMA tensors (the tracker starts over). */
  dispose(): void {
    if (this.ema !== null) disposeMaps(...this.ema);
    this.ema = null;
    this.steps = 0;
  }
}

/** The new gradients must be the tracked tasks and parameters (a shape error names the first mismatch). */
function checkSameLayout(ema: GradientMaps, grads: GradientMaps, where: string): void {
  if (ema.length !== grads.length) {
    throw new GramianError('shape', `${where}: got ${grads.length} tasks, tracking ${ema.length}`);
  }
  for (const [k, t] of Object.entries(ema[0]!)) {
    const g = grads[0]![k];
    if (g === undefined || !tf.util.arraysEqual(g.shape, t.shape)) {
      const got = g === undefined ? 'no such parameter' : `shape [${g.shape}]`;
      throw new GramianError(
        'shape',
        `${where}: parameter "${k}" is tracked with shape [${t.shape}], got ${got}`,
        {
          parameter: k,
        },
      );
    }
  }
  if (Object.keys(grads[0]!).length !== Object.keys(ema[0]!).length) {
    throw new GramianError(
      'shape',
      `${where}: got parameters [${Object.keys(grads[0]!).join(', ')}], tracking [${Object.keys(ema[0]!).join(', ')}]`,
    );
  }
}
