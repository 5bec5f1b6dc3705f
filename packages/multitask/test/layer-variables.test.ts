// tf.layers LayerVariables and tf.Variables in one step: the same update as with the wrapped tf.Variables.
import '@tensorflow/tfjs-backend-cpu';
import { mean } from '@cs-dfd/gramian';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { disjointStep, MultitaskError } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LayerVariables', () => {
  it('a layer trained through its LayerVariables moves exactly like its tf.Variables would', () => {
    const make = () => {
      const layer = tfl.layers.dense({
        units: 2,
        inputShape: [3],
        kernelInitializer: tfl.initializers.ones(),
      });
      layer.build([null, 3]);
      const head = tf.variable(tf.tensor2d([[1], [-1]]));
      return { layer, head };
    };
    const x = tf.tensor2d([
      [1, 2, 3],
      [0, -1, 2],
    ]);
    const run = (useLayerVariables: boolean) => {
      const { layer, head } = make();
      const shared = useLayerVariables
        ? layer.trainableWeights
        : layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const tasks = [0, 1].map((k) => ({
        name: `t${k}`,
        variables: k === 0 ? [head] : [],
        loss: () =>
          tf.mean(tf.square(tf.sub(tf.matMul(layer.apply(x) as tf.Tensor2D, head), k))) as tf.Scalar,
      }));
      const r = disjointStep({ shared, tasks, aggregator: mean(), optimizer: tf.train.sgd(0.1) });
      expect(r.skipped).toBe(false);
      return [...layer.getWeights().map((w) => Array.from(w.dataSync())), Array.from(head.dataSync())];
    };
    const viaLayer = run(true);
    const viaVariables = run(false);
    expect(viaLayer).toEqual(viaVariables);
    expect(viaLayer[0]).not.toEqual([1, 1, 1, 1, 1, 1]); // the kernel moved
  });

  it('anything else is an invalid-problem naming the list and the position', () => {
    const v = tf.variable(tf.zeros([1]));
    let err: unknown;
    try {
      disjointStep({
        shared: [v, { name: 'w', value: 3 } as never],
        tasks: [{ name: 'a', loss: () => tf.sum(v) as tf.Scalar }],
        aggregator: mean(),
        optimizer: tf.train.sgd(0.1),
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MultitaskError);
    expect((err as MultitaskError).code).toBe('invalid-problem');
    expect((err as Error).message).toContain(
      'shared[1] is neither a tf.Variable nor a tf.layers LayerVariable',
    );
  });
});
