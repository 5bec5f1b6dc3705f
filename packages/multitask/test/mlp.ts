/**
 * A small random MLP for the gradient tests, with an independent float64 host forward for finite differences:
 * backbone f = tanh(x W1 + b1); shared head z = tanh(f U); task head s_k = z v_k + c_k; L_k = mean over the
 * task's rows of (s_k - y_k)².
 */
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';

export interface MlpSpec {
  seed: number;
  inputs: number;
  hidden: number;
  headHidden: number;
  batch: number;
  K: number;
}

export interface Mlp {
  spec: MlpSpec;
  W1: tf.Variable;
  b1: tf.Variable;
  U: tf.Variable;
  v: tf.Variable[];
  c: tf.Variable[];
  x: tf.Tensor2D;
  y: tf.Tensor2D[];
  /** rows[k]: the batch rows of task k (a random partition of the batch, every task non-empty). */
  rows: number[][];
  host: { x: number[][]; y: number[][] };
  dispose(): void;
}

let counter = 0;

/** tf.variable keeps its initial tensor alive next to the variable; free it. */
export function variable(init: tf.Tensor, name: string): tf.Variable {
  const out = tf.variable(init, true, name);
  init.dispose();
  return out;
}

function randomMatrix(rng: Rng, r: number, c: number, scale: number): number[][] {
  return Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal(0, scale)));
}

export function makeMlp(spec: MlpSpec): Mlp {
  const rng = new Rng(spec.seed);
  const id = counter++;
  const v = (name: string, m: number[][]) => variable(tf.tensor2d(m), `mlp${id}/${name}`);
  const W1 = v('W1', randomMatrix(rng, spec.inputs, spec.hidden, 0.8));
  const b1 = variable(tf.tensor1d(randomMatrix(rng, 1, spec.hidden, 0.3)[0]!), `mlp${id}/b1`);
  const U = v('U', randomMatrix(rng, spec.hidden, spec.headHidden, 0.8));
  const heads = Array.from({ length: spec.K }, (_, k) => ({
    v: v(`v${k}`, randomMatrix(rng, spec.headHidden, 1, 0.8)),
    c: variable(tf.tensor1d([rng.normal(0, 0.3)]), `mlp${id}/c${k}`),
  }));
  const hx = randomMatrix(rng, spec.batch, spec.inputs, 1);
  const hy = Array.from({ length: spec.K }, () => randomMatrix(rng, spec.batch, 1, 1));
  // Random partition of the rows, each task getting at least one.
  const perm = rng.permutation(spec.batch);
  const rows: number[][] = Array.from({ length: spec.K }, (_, k) => [perm[k]!]);
  for (let p = spec.K; p < spec.batch; p++) rows[rng.int(0, spec.K - 1)]!.push(perm[p]!);
  const x = tf.tensor2d(hx);
  const y = hy.map((m) => tf.tensor2d(m));
  return {
    spec,
    W1,
    b1,
    U,
    v: heads.map((h) => h.v),
    c: heads.map((h) => h.c),
    x,
    y,
    rows,
    host: { x: hx, y: hy.map((m) => m.map((r) => r[0]!)) },
    dispose() {
      for (const t of [W1, b1, U, x, ...y, ...heads.flatMap((h) => [h.v, h.c])]) t.dispose();
    },
  };
}

export function backbone(m: Mlp, x: tf.Tensor): tf.Tensor {
  return tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, m.W1), m.b1));
}

/** Task k's loss from the features of its rows (in `m.rows[k]` order). */
export function headLoss(m: Mlp, k: number, f: tf.Tensor): tf.Scalar {
  const z = tf.tanh(tf.matMul(f as tf.Tensor2D, m.U));
  const s = tf.add(tf.matMul(z, m.v[k]!), m.c[k]!);
  const yk = tf.gather(m.y[k]!, tf.tensor1d(m.rows[k]!, 'int32'));
  return tf.mean(tf.square(tf.sub(s, yk)));
}

/** Task k's loss by a forward of its own rows only (disjoint mode). */
export function subBatchLoss(m: Mlp, k: number): tf.Scalar {
  return headLoss(m, k, backbone(m, tf.gather(m.x, tf.tensor1d(m.rows[k]!, 'int32'))));
}

/** Task k's loss from a forward of the whole batch, its rows picked at the end (the naive reference). */
export function fullBatchLoss(m: Mlp, k: number): tf.Scalar {
  const f = backbone(m, m.x);
  return headLoss(m, k, tf.gather(f, tf.tensor1d(m.rows[k]!, 'int32')));
}

/** Parameters as float64 host arrays, in a fixed order, and a host forward of L_k in float64. */
export interface HostParams {
  W1: number[][];
  b1: number[];
  U: number[][];
  v: number[][];
  c: number[];
}

export function hostParams(m: Mlp): HostParams {
  const mat = (t: tf.Tensor) => t.arraySync() as number[][];
  return {
    W1: mat(m.W1),
    b1: Array.from(m.b1.dataSync()),
    U: mat(m.U),
    v: m.v.map((t) => Array.from(t.dataSync())),
    c: m.c.map((t) => t.dataSync()[0]!),
  };
}

export function hostLoss(m: Mlp, p: HostParams, k: number): number {
  let total = 0;
  for (const n of m.rows[k]!) {
    const xn = m.host.x[n]!;
    const f = p.b1.map((b, j) => Math.tanh(xn.reduce((s, xi, i) => s + xi * p.W1[i]![j]!, b)));
    const z = p.U[0]!.map((_, j) => Math.tanh(f.reduce((s, fi, i) => s + fi * p.U[i]![j]!, 0)));
    const s = z.reduce((acc, zi, i) => acc + zi * p.v[k]![i]!, p.c[k]!);
    total += (s - m.host.y[k]![n]!) ** 2;
  }
  return total / m.rows[k]!.length;
}
