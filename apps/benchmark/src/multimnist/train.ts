import type { Aggregator } from '@cs-dfd/gramian';
import { featureStep } from '@cs-dfd/multitask';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import type { MultiMnist } from './compose.js';
import { MultiMnistError } from './errors.js';
import { MNIST_SIDE } from './mnist.js';
import { type MultiLeNet, multiLeNet } from './model.js';
import { childRng } from './streams.js';

/** Training options of one run; the defaults are the protocol's. */
export interface MultiMnistTrainOptions {
  /** Passes over the training set (default 3). */
  epochs?: number;
  /** Images per step (default 64). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3, Adam's usual default). */
  lr?: number;
  /** Seeds the initial weights and the batch order (default 0). */
  seed?: number;
}

/** Outcome of one run: test accuracy of each head and the median step time. */
export interface MultiMnistRun {
  method: string;
  seed: number;
  /** Test accuracy of the left-digit head, in [0, 1]. */
  left_acc: number;
  /** Test accuracy of the right-digit head, in [0, 1]. */
  right_acc: number;
  /** Median wall time of one training step (features, both task gradients, aggregation, Adam), ms. */
  step_ms: number;
  /** Steps taken, and how many of them were skipped for a non-finite loss or gradient. */
  steps: number;
  skipped: number;
  /** Mean training losses (left, right) over the last epoch. */
  train_loss: [number, number];
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new MultiMnistError('invalid-option', `${name}: expected a positive integer, got ${v}`);
  return v;
}

/** Float32 [n, 28, 28, 1] batch of the given images, scaled to [0, 1]. */
function batchTensor(set: MultiMnist, rows: ArrayLike<number>): tf.Tensor4D {
  const area = MNIST_SIDE * MNIST_SIDE;
  const out = new Float32Array(rows.length * area);
  for (let i = 0; i < rows.length; i++) {
    const src = rows[i]! * area;
    for (let p = 0; p < area; p++) out[i * area + p] = set.images[src + p]! / 255;
  }
  return tf.tensor4d(out, [rows.length, MNIST_SIDE, MNIST_SIDE, 1]);
}

const oneHot = (labels: Uint8Array, rows: ArrayLike<number>): tf.Tensor2D =>
  tf.tidy(
    () =>
      tf.oneHot(
        tf.tensor1d(
          Int32Array.from(rows, (r) => labels[r]!),
          'int32',
        ),
        10,
      ) as tf.Tensor2D,
  );

/** Fraction of `set` each head classifies correctly, in batches of 500. */
export function accuracy(model: MultiLeNet, set: MultiMnist): [number, number] {
  const hits = [0, 0];
  for (let start = 0; start < set.count; start += 500) {
    const rows = Array.from({ length: Math.min(500, set.count - start) }, (_, i) => start + i);
    const [pl, pr] = tf.tidy(() => {
      const f = model.trunk.apply(batchTensor(set, rows));
      return [tf.argMax(model.logits(f, 0), 1), tf.argMax(model.logits(f, 1), 1)];
    });
    const l = pl!.dataSync();
    const r = pr!.dataSync();
    tf.dispose([pl!, pr!]);
    rows.forEach((row, i) => {
      if (l[i] === set.left[row]) hits[0]!++;
      if (r[i] === set.right[row]) hits[1]!++;
    });
  }
  return [hits[0]! / set.count, hits[1]! / set.count];
}

/**
 * Trains a fresh MultiLeNet on `train` with `aggregator` on the trunk (feature-cotangent mode of
 * `@cs-dfd/multitask`: both tasks read every sample) and Adam, then measures both heads on `test`. The same seed
 * gives every method the same initial weights and the same batches.
 */
export function trainMultiMnist(
  method: string,
  aggregator: Aggregator,
  train: MultiMnist,
  test: MultiMnist,
  options: MultiMnistTrainOptions = {},
): MultiMnistRun {
  const epochs = positiveInt('epochs', options.epochs ?? 3);
  const batchSize = positiveInt('batchSize', options.batchSize ?? 64);
  const lr = options.lr ?? 1e-3;
  if (!(lr > 0 && Number.isFinite(lr)))
    throw new MultiMnistError('invalid-option', `lr: expected a finite positive number, got ${lr}`);
  if (batchSize > train.count)
    throw new MultiMnistError(
      'invalid-option',
      `batchSize: ${batchSize} exceeds the ${train.count} training images`,
    );
  const seed = options.seed ?? 0;
  const rng = new Rng(seed);
  const model = multiLeNet(childRng(rng));
  const order = childRng(rng);
  const optimizer = tf.train.adam(lr);
  aggregator.reset?.();
  const times: number[] = [];
  let skipped = 0;
  let lossSum: [number, number] = [0, 0];
  let lossCount = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const perm = order.permutation(train.count);
      lossSum = [0, 0];
      lossCount = 0;
      for (let start = 0; start + batchSize <= train.count; start += batchSize) {
        const rows = perm.slice(start, start + batchSize);
        const input = batchTensor(train, rows);
        const targets = [oneHot(train.left, rows), oneHot(train.right, rows)] as const;
        const t0 = performance.now();
        const result = featureStep({
          backbone: model.trunk,
          input,
          tasks: (['left', 'right'] as const).map((name, k) => ({
            name,
            variables: model.heads[k as 0 | 1],
            loss: (f: tf.Tensor) =>
              tf.losses.softmaxCrossEntropy(targets[k as 0 | 1], model.logits(f, k as 0 | 1)) as tf.Scalar,
          })),
          aggregator,
          optimizer,
        });
        times.push(performance.now() - t0);
        tf.dispose([input, ...targets]);
        if (result.skipped) skipped++;
        else {
          lossSum = [lossSum[0] + result.losses[0]!, lossSum[1] + result.losses[1]!];
          lossCount++;
        }
      }
    }
    const [left_acc, right_acc] = accuracy(model, test);
    const sorted = [...times].sort((a, b) => a - b);
    return {
      method,
      seed,
      left_acc,
      right_acc,
      step_ms: sorted[sorted.length >> 1] ?? Number.NaN,
      steps: times.length,
      skipped,
      train_loss: [lossSum[0] / Math.max(1, lossCount), lossSum[1] / Math.max(1, lossCount)],
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
