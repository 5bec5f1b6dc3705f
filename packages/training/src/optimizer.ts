/** The optimizer named by the config (tfjs's own implementations; the schedule sets the learning rate per step). */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from './config.js';

/** A fresh optimizer for the config (learning rate = `optimizer.lr`; the schedule overrides it every step). */
export function makeOptimizer(config: TrainConfig): tf.Optimizer {
  const o = config.optimizer;
  switch (o.name) {
    case 'adam':
      return tf.train.adam(o.lr, o.beta1, o.beta2, o.epsilon);
    case 'sgd':
      return tf.train.sgd(o.lr);
    case 'momentum':
      return tf.train.momentum(o.lr, o.momentum);
  }
}
