// Bad input gives a ConflictLossError whose code and field name the problem, before any tensor work.
import { mean } from '@cs-dfd/gramian';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ActivationName,
  activation,
  ConflictLossError,
  type ConflictMode,
  cgrStep,
  conflictDescentLoss,
  conflictExtra,
  type Rho,
  standardHead,
} from '../src/index.js';
import { setupBackends } from './helpers.js';
import { tinyModel } from './model.js';

beforeAll(async () => {
  await setupBackends();
  await tf.setBackend('cpu');
});

function expectError(f: () => unknown, code: string, field: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConflictLossError);
    expect((e as ConflictLossError).code).toBe(code);
    expect((e as ConflictLossError).field).toBe(field);
    expect((e as Error).message).toContain(field);
    return;
  }
  throw new Error(`expected a ConflictLossError (${code}, ${field})`);
}

const ok = {
  labels: [0, 1, 0, 1],
  sources: [
    [0, 1],
    [2, 3],
  ],
};
// Built in beforeAll: tensors need the backend, which is not ready while the suite is collected.
let head: ReturnType<typeof standardHead>;
let F: tf.Tensor2D;
beforeAll(() => {
  head = standardHead({ Wp: tf.zeros([2, 3]), bp: tf.zeros([2]), v: tf.ones([2]), b: tf.scalar(0) }, 'tanh');
  F = tf.ones([4, 3]);
});

describe('typed errors', () => {
  it('names bad batches', () => {
    expectError(() => conflictDescentLoss(head, F, { ...ok, labels: [0, 1] }), 'invalid-batch', 'labels');
    expectError(
      () => conflictDescentLoss(head, F, { ...ok, labels: [0, 1, 2, 0] }),
      'invalid-batch',
      'labels[2]',
    );
    expectError(
      () => conflictDescentLoss(head, F, { ...ok, labels: [0, 1, Number.NaN, 0] }),
      'invalid-batch',
      'labels[2]',
    );
    expectError(
      () => conflictDescentLoss(head, F, { ...ok, sources: [[0, 1], []] }),
      'invalid-batch',
      'sources[1]',
    );
    expectError(
      () => conflictDescentLoss(head, F, { ...ok, sources: [[0, 4]] }),
      'invalid-batch',
      'sources[0][1]',
    );
    expectError(
      () => conflictDescentLoss(head, F, { ...ok, sources: [[0, 1.5]] }),
      'invalid-batch',
      'sources[0][1]',
    );
    expectError(() => conflictDescentLoss(head, F, { ...ok, sources: [] }), 'invalid-batch', 'sources');
    expectError(
      () => conflictDescentLoss(head, tf.ones([4]) as unknown as tf.Tensor2D, ok),
      'invalid-batch',
      'features',
    );
  });

  it('names bad heads', () => {
    const wrong = standardHead(
      { Wp: tf.zeros([2, 5]), bp: tf.zeros([2]), v: tf.ones([2]), b: tf.scalar(0) },
      'tanh',
    );
    expectError(() => conflictDescentLoss(wrong, F, ok), 'invalid-head', 'head.vars.Wp');
    const badV = standardHead(
      { Wp: tf.zeros([2, 3]), bp: tf.zeros([2]), v: tf.ones([3]), b: tf.scalar(0) },
      'tanh',
    );
    expectError(() => conflictDescentLoss(badV, F, ok), 'invalid-head', 'head.vars.v');
    expectError(() => conflictDescentLoss({} as never, F, ok), 'invalid-head', 'head');
    const generic = { params: [head.vars.Wp], loss: () => tf.ones([2]) as unknown as tf.Scalar };
    expectError(() => conflictDescentLoss(generic, F, ok, { mode: 'generic' }), 'invalid-head', 'head.loss');
    expectError(() => conflictDescentLoss(generic, F, ok, { mode: 'exact' }), 'invalid-option', 'mode');
  });

  it('names bad options', () => {
    expectError(
      () => conflictDescentLoss(head, F, ok, { mode: 'full' as ConflictMode }),
      'invalid-option',
      'mode',
    );
    expectError(() => conflictDescentLoss(head, F, ok, { rho: 'square' as Rho }), 'invalid-option', 'rho');
    expectError(() => conflictExtra(head, ok, { weight: -1 }), 'invalid-option', 'weight');
    expectError(() => conflictExtra(head, ok, { weight: Number.NaN }), 'invalid-option', 'weight');
    expectError(() => activation('relu' as ActivationName), 'invalid-option', 'activation');
  });

  it('cgrStep rejects bad steps before touching a variable', () => {
    const m = tinyModel(1);
    const input = tf.ones([4, 4]);
    const before = Array.from(m.variables[0]!.dataSync());
    const base = {
      backbone: m.backbone,
      input,
      head: m.head,
      labels: ok.labels,
      sources: [
        { name: 'a', rows: [0, 1] },
        { name: 'b', rows: [2, 3] },
      ],
      aggregator: mean(),
      optimizer: tf.train.sgd(0.1),
    };
    expectError(() => cgrStep({ ...base, cgr: { split: 'lazy' as never } }), 'invalid-option', 'split');
    expectError(() => cgrStep({ ...base, cgr: { fusedScale: -1 } }), 'invalid-option', 'fusedScale');
    expectError(
      () => cgrStep({ ...base, cgr: { weight: Number.POSITIVE_INFINITY } }),
      'invalid-option',
      'weight',
    );
    expectError(
      () => cgrStep({ ...base, sources: [{ name: 'a', rows: [0, 9] }] }),
      'invalid-batch',
      'sources[0][1]',
    );
    const plain = standardHead(
      { Wp: tf.zeros([3, 6]), bp: tf.zeros([3]), v: tf.ones([3]), b: tf.scalar(0) },
      'softplus',
    );
    expectError(() => cgrStep({ ...base, head: plain }), 'invalid-head', 'head.vars.Wp');
    const generic = { params: [m.head.vars.Wp], loss: () => tf.scalar(0) };
    expectError(
      () => cgrStep({ ...base, head: generic, cgr: { mode: 'generic' } }),
      'invalid-head',
      'headVariables',
    );
    expect(Array.from(m.variables[0]!.dataSync())).toEqual(before);
    input.dispose();
    m.dispose();
  });
});
