import type { Backbone } from '@cs-dfd/multitask';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { type StandardHead, standardHead } from '../src/index.js';

/** A tiny model for step tests: tanh MLP backbone (in -> D) and a standard softplus head (D -> P -> 1). */
export interface TinyModel {
  backbone: Backbone;
  head: StandardHead;
  variables: tf.Variable[];
  dispose(): void;
}

let counter = 0;

export function tinyModel(seed: number, dims = { input: 4, hidden: 6, P: 3 }): TinyModel {
  const rng = new Rng(seed);
  const id = `m${counter++}`;
  const param = (name: string, shape: number[], sd: number) =>
    tf.variable(
      tf.tensor(
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, sd)),
        shape,
      ),
      true,
      `${id}/${name}`,
    );
  const W1 = param('W1', [dims.input, dims.hidden], 1 / Math.sqrt(dims.input));
  const b1 = param('b1', [dims.hidden], 0.1);
  const head = standardHead(
    {
      Wp: param('Wp', [dims.P, dims.hidden], 1 / Math.sqrt(dims.hidden)),
      bp: param('bp', [dims.P], 0.1),
      v: param('v', [dims.P], 1 / Math.sqrt(dims.P)),
      b: param('b', [], 0.1),
    },
    'softplus',
  );
  const backbone: Backbone = {
    variables: [W1, b1],
    apply: (x) => tf.tidy(() => tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, W1), b1))),
  };
  const { Wp, bp, v, b } = head.vars as unknown as Record<string, tf.Variable>;
  const variables = [W1, b1, Wp!, bp!, v!, b!];
  return { backbone, head, variables, dispose: () => tf.dispose(variables) };
}

/** Current values of variables, flattened. */
export function snapshot(vars: readonly tf.Variable[]): number[][] {
  return vars.map((v) => Array.from(v.dataSync()));
}

/** Samples in {@link twoSourceBatch}. */
export const BATCH_ROWS = 10;

/** Rows of a {@link twoSourceBatch} by source: 6 original, 4 synthetic, interleaved. */
export const SOURCES = [
  { name: 'original', rows: [0, 2, 4, 6, 8, 9] },
  { name: 'synthetic', rows: [1, 3, 5, 7] },
];

/** A seeded batch for {@link tinyModel}'s default dims: input [10, 4] of N(0, 1), labels 0/1. */
export function twoSourceBatch(seed: number): { input: tf.Tensor2D; labels: number[] } {
  const rng = new Rng(seed);
  return {
    input: tf.tensor2d(
      Array.from({ length: BATCH_ROWS * 4 }, () => rng.normal()),
      [BATCH_ROWS, 4],
    ),
    labels: Array.from({ length: BATCH_ROWS }, () => (rng.bernoulli() ? 1 : 0)),
  };
}
