import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { relErr, setupBackends } from './helpers.js';

beforeAll(setupBackends);

/** Every layer kind the detectors use (§10): plain, depthwise and separable convs, batch norm, relu6, swish, pools. */
function detectorLikeModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 3] });
  let h = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false })
    .apply(input) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization().apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.activation({ activation: 'relu6' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' })
    .apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.activation({ activation: 'swish' }).apply(h) as tfl.SymbolicTensor;
  const skip = tfl.layers.conv2d({ filters: 6, kernelSize: 1 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers
    .separableConv2d({ filters: 6, kernelSize: 3, padding: 'same' })
    .apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.add().apply([h, skip]) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.averagePooling2d({ poolSize: 2, padding: 'valid' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.globalAveragePooling2d({}).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 1 }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

describe('a tfjs-layers detector-like model trains on wasm', () => {
  it('gives the same parameter gradients as the cpu backend', async () => {
    await tf.setBackend('cpu');
    const model = detectorLikeModel();
    const rng = new Rng(5);
    // Shifted negative so that whole max-pool windows are <= 0 (stock wasm MaxPoolGrad's failure case).
    const xs = tf.tensor4d(
      Float32Array.from({ length: 4 * 12 * 12 * 3 }, () => rng.uniform(-2, 1)),
      [4, 12, 12, 3],
    );
    const ys = tf.tensor2d([[1], [0], [1], [0]]);
    const grads = () => {
      const { value, grads: g } = tf.variableGrads(() => {
        const logits = model.apply(xs, { training: true }) as tf.Tensor;
        return tf.losses.sigmoidCrossEntropy(ys, logits) as tf.Scalar;
      });
      const out = Object.fromEntries(Object.entries(g).map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
      tf.dispose([value, ...Object.values(g)]);
      return out;
    };
    const onCpu = grads();
    await tf.setBackend('wasm');
    grads(); // the first call caches a few layers constants on the new backend
    const before = tf.memory().numTensors;
    const onWasm = grads();
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(onWasm).sort()).toEqual(Object.keys(onCpu).sort());
    expect(Object.keys(onCpu).length).toBeGreaterThan(10);
    for (const [name, g] of Object.entries(onCpu)) {
      expect(relErr(onWasm[name]!, g), name).toBeLessThan(1e-4);
    }
    // And an optimizer step runs end to end.
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const h = await model.fit(xs, tf.sigmoid(ys), { epochs: 1, batchSize: 4, verbose: 0 });
    expect(Number.isFinite(h.history.loss![0] as number)).toBe(true);
    tf.dispose([xs, ys]);
  });
});
