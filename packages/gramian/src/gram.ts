import { GramianError, taskLabel } from './errors.js';

/** A host gradient: any float array (Float32Array gradients are accumulated in float64). */
export type HostVector = ArrayLike<number>;

/** Row-major index of (i, j) in a K×K matrix. */
export const at = (K: number, i: number, j: number): number => i * K + j;

function checkSameLength(grads: readonly HostVector[]): number {
  if (grads.length === 0) throw new GramianError('shape', 'no gradients given (K = 0)');
  const P = grads[0]!.length;
  for (let i = 1; i < grads.length; i++) {
    if (grads[i]!.length !== P) {
      throw new GramianError(
        'shape',
        `${taskLabel(i)} has ${grads[i]!.length} entries, task 0 has ${P}: all gradients must have the same length`,
        { task: i },
      );
    }
  }
  return P;
}

/**
 * Throws a `non-finite` GramianError naming the first task (and index) holding NaN or ±Inf.
 * Costs one pass; {@link gramMatrix} detects the same through G's diagonal for free, so call this only to locate.
 */
export function checkFiniteGradients(grads: readonly HostVector[], names?: readonly string[]): void {
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i]!;
    for (let p = 0; p < g.length; p++) {
      if (!Number.isFinite(g[p]!)) {
        throw new GramianError('non-finite', `${taskLabel(i, names)}: gradient entry ${p} is ${g[p]}`, {
          task: i,
          ...(names?.[i] === undefined ? {} : { taskName: names[i] }),
        });
      }
    }
  }
}

const BLOCK = 4096;

/**
 * G_ij = <g_i, g_j> in float64, in one blocked pass over the parameters (each block of every gradient is read once
 * while it is in cache). Throws a typed error naming the task when a gradient holds NaN/Inf.
 */
export function gramMatrix(grads: readonly HostVector[], names?: readonly string[]): Float64Array {
  const K = grads.length;
  const P = checkSameLength(grads);
  const G = new Float64Array(K * K);
  for (let start = 0; start < P; start += BLOCK) {
    const end = Math.min(P, start + BLOCK);
    for (let i = 0; i < K; i++) {
      const gi = grads[i]!;
      for (let j = i; j < K; j++) {
        const gj = grads[j]!;
        let s = 0;
        for (let p = start; p < end; p++) s += gi[p]! * gj[p]!;
        G[i * K + j] = G[i * K + j]! + s;
      }
    }
  }
  for (let i = 0; i < K; i++) for (let j = i + 1; j < K; j++) G[j * K + i] = G[i * K + j]!;
  for (let i = 0; i < K; i++) {
    if (!Number.isFinite(G[i * K + i]!)) checkFiniteGradients(grads, names);
  }
  validateGram(G, K, names);
  return G;
}

/** d = Σ_i w_i g_i in float64 (one pass). */
export function combine(grads: readonly HostVector[], w: ArrayLike<number>): Float64Array {
  const K = grads.length;
  const P = checkSameLength(grads);
  if (w.length !== K) throw new GramianError('shape', `got ${w.length} weights for ${K} gradients`);
  checkWeights(w, K, 'combine');
  const d = new Float64Array(P);
  for (let i = 0; i < K; i++) {
    const wi = w[i]!;
    if (wi === 0) continue;
    const g = grads[i]!;
    for (let p = 0; p < P; p++) d[p] = d[p]! + wi * g[p]!;
  }
  return d;
}

/**
 * Checks that G is a K×K Gram matrix: right size, finite, non-negative diagonal, symmetric to rounding.
 * Errors name the task (row) at fault.
 */
export function validateGram(G: ArrayLike<number>, K: number, names?: readonly string[]): void {
  if (!Number.isInteger(K) || K < 1)
    throw new GramianError('shape', `K must be a positive integer, got ${K}`);
  if (G.length !== K * K) {
    throw new GramianError('shape', `G has ${G.length} entries, expected K*K = ${K * K} for K = ${K}`);
  }
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const v = G[i * K + j]!;
      if (!Number.isFinite(v)) {
        throw new GramianError(
          'non-finite',
          `G[${i}][${j}] is ${v}: ${taskLabel(i, names)} has a non-finite gradient`,
          {
            task: i,
            ...(names?.[i] === undefined ? {} : { taskName: names[i] }),
          },
        );
      }
    }
    const gii = G[i * K + i]!;
    if (gii < 0) {
      throw new GramianError(
        'negative-diagonal',
        `G[${i}][${i}] = ${gii} < 0 for ${taskLabel(i, names)}: not a Gram matrix`,
        {
          task: i,
        },
      );
    }
  }
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      const a = G[i * K + j]!;
      const b = G[j * K + i]!;
      const tol = 1e-6 * Math.sqrt(G[i * K + i]! * G[j * K + j]!) + 1e-300;
      if (Math.abs(a - b) > tol) {
        throw new GramianError(
          'asymmetric',
          `G[${i}][${j}] = ${a} but G[${j}][${i}] = ${b}: G must be symmetric`,
          {
            task: i,
          },
        );
      }
    }
  }
}

/** Throws `invalid-weights` unless w has K finite entries. */
export function checkWeights(w: ArrayLike<number>, K: number, method: string): void {
  if (w.length !== K)
    throw new GramianError('invalid-weights', `${method} returned ${w.length} weights for K = ${K}`);
  for (let i = 0; i < K; i++) {
    if (!Number.isFinite(w[i]!)) {
      throw new GramianError('invalid-weights', `${method} returned weight ${w[i]} for ${taskLabel(i)}`, {
        task: i,
      });
    }
  }
}

/** Gram matrix of the rows of a K×P row-major matrix J (tests and small problems). */
export function gramOfRows(J: readonly (readonly number[])[]): Float64Array {
  return gramMatrix(J.map((r) => Float64Array.from(r)));
}
