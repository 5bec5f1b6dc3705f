/**
 * Which rows of a batch belong to which source, checked once and turned into the constant tensors the loss needs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConflictLossError } from './errors.js';

/** Labels and source membership of a batch of N feature rows. */
export interface SourceBatch {
  /** Per-row labels in [0, 1] (1 = fake), length N. */
  labels: ArrayLike<number>;
  /**
   * Per source, the batch rows it owns. Sources may have different sizes (each L_k is a mean over its own rows);
   * rows may belong to several sources (shared samples). Every source needs at least one row.
   */
  sources: readonly ArrayLike<number>[];
}

/** A checked {@link SourceBatch}. */
export interface CheckedBatch {
  N: number;
  K: number;
  labels: Float32Array;
  rows: Int32Array[];
}

/** Validates labels and rows against a batch of N rows; errors name the offending entry. */
export function checkBatch(batch: SourceBatch, N: number): CheckedBatch {
  const { labels, sources } = batch;
  if (labels == null || typeof labels.length !== 'number' || labels.length !== N) {
    throw new ConflictLossError(
      'invalid-batch',
      'labels',
      `must have one label per feature row (${N}), got ${labels?.length}`,
    );
  }
  const y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const v = labels[n]!;
    if (!(v >= 0 && v <= 1)) {
      throw new ConflictLossError('invalid-batch', `labels[${n}]`, `must be in [0, 1], got ${v}`);
    }
    y[n] = v;
  }
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new ConflictLossError('invalid-batch', 'sources', 'must list the rows of at least one source');
  }
  const rows = sources.map((src, k) => {
    if (src == null || typeof src.length !== 'number' || src.length === 0) {
      throw new ConflictLossError(
        'invalid-batch',
        `sources[${k}]`,
        'has no rows (an empty source has no loss)',
      );
    }
    const out = new Int32Array(src.length);
    for (let r = 0; r < src.length; r++) {
      const v = src[r]!;
      if (!Number.isInteger(v) || v < 0 || v >= N) {
        throw new ConflictLossError(
          'invalid-batch',
          `sources[${k}][${r}]`,
          `${v} is not a row of a batch of ${N}`,
        );
      }
      out[r] = v;
    }
    return out;
  });
  return { N, K: rows.length, labels: y, rows };
}

/** M [N, K] with M[n, k] = (number of times n is listed in source k) / n_k: per-source means as one matmul. */
export function meanMatrix(batch: CheckedBatch): tf.Tensor2D {
  const m = new Float32Array(batch.N * batch.K);
  batch.rows.forEach((r, k) => {
    for (const n of r) m[n * batch.K + k]! += 1 / r.length;
  });
  return tf.tensor2d(m, [batch.N, batch.K]);
}

/**
 * S_k [n_k, N] selecting source k's rows: S_k F gathers them with a matmul, whose gradient every backend has
 * (tfjs-backend-wasm 4.22 has no UnsortedSegmentSum, the kernel behind `tf.gather`'s gradient).
 */
export function selectionMatrix(batch: CheckedBatch, k: number): tf.Tensor2D {
  const r = batch.rows[k]!;
  const s = new Float32Array(r.length * batch.N);
  r.forEach((n, i) => {
    s[i * batch.N + n] = 1;
  });
  return tf.tensor2d(s, [r.length, batch.N]);
}

/** Labels of source k's rows, in row order. */
export function sourceLabels(batch: CheckedBatch, k: number): tf.Tensor1D {
  return tf.tensor1d(Array.from(batch.rows[k]!, (n) => batch.labels[n]!));
}
