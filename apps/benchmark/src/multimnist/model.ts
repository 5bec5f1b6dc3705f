import type { Backbone } from '@cs-dfd/multitask';
import type { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';

/** Width of the shared representation the heads read (MultiLeNet of Sener & Koltun 2018). */
export const FEATURES = 50;

/** The two-headed LeNet: a shared trunk and one classifier per digit. */
export interface MultiLeNet {
  trunk: Backbone;
  /** Head variables of the left and the right digit, in that order. */
  heads: [tf.Variable[], tf.Variable[]];
  /** Logits [B, 10] of head `k` from trunk features [B, 50]. */
  logits: (features: tf.Tensor, k: 0 | 1) => tf.Tensor2D;
  dispose: () => void;
}

/** A variable drawn from U(-a, a) with a = sqrt(6 / fanIn) (He uniform, for ReLU layers) by `rng`; bias zero. */
function heUniform(shape: number[], fanIn: number, rng: Rng): tf.Variable {
  const a = Math.sqrt(6 / fanIn);
  const size = shape.reduce((p, q) => p * q, 1);
  const values = Float32Array.from({ length: size }, () => rng.uniform(-a, a));
  // tidy frees the initial tensor; the variable holds its own reference to the data and survives the tidy.
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32')));
}
const zeros = (n: number): tf.Variable => tf.tidy(() => tf.variable(tf.zeros([n])));

/**
 * The MultiLeNet of Sener & Koltun 2018 without dropout: trunk conv 5×5×10 → max-pool 2 → ReLU → conv 5×5×20 →
 * max-pool 2 → ReLU → dense 320→50 → ReLU; each head dense 50→50 → ReLU → dense 50→10. Dropout is left out so
 * that every method sees exactly the same computation; initial weights come from `rng` alone.
 */
export function multiLeNet(rng: Rng): MultiLeNet {
  const c1 = heUniform([5, 5, 1, 10], 25, rng);
  const b1 = zeros(10);
  const c2 = heUniform([5, 5, 10, 20], 250, rng);
  const b2 = zeros(20);
  const fc = heUniform([320, FEATURES], 320, rng);
  const bfc = zeros(FEATURES);
  const head = (): tf.Variable[] => [
    heUniform([FEATURES, 50], FEATURES, rng),
    zeros(50),
    heUniform([50, 10], 50, rng),
    zeros(10),
  ];
  const heads: [tf.Variable[], tf.Variable[]] = [head(), head()];
  const trunkVariables = [c1, b1, c2, b2, fc, bfc];
  const apply = (input: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const x = input as tf.Tensor4D;
      const conv = (h: tf.Tensor4D, w: tf.Variable, b: tf.Variable): tf.Tensor4D =>
        tf.relu(
          tf.maxPool(tf.add(tf.conv2d(h, w as tf.Tensor4D, 1, 'valid'), b) as tf.Tensor4D, 2, 2, 'valid'),
        );
      const h2 = conv(conv(x, c1, b1), c2, b2);
      return tf.relu(tf.add(tf.matMul(tf.reshape(h2, [x.shape[0], 320]), fc), bfc));
    });
  const logits = (features: tf.Tensor, k: 0 | 1): tf.Tensor2D =>
    tf.tidy(() => {
      const [w1, c, w2, d] = heads[k] as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
      const h = tf.relu(tf.add(tf.matMul(features as tf.Tensor2D, w1), c));
      return tf.add(tf.matMul(h, w2), d);
    });
  return {
    trunk: { variables: trunkVariables, apply },
    heads,
    logits,
    dispose: () => {
      for (const v of [...trunkVariables, ...heads[0], ...heads[1]]) v.dispose();
    },
  };
}
