import '@tensorflow/tfjs-backend-cpu';
import { aggregate, disposeMaps } from '@cs-dfd/gramian/tfjs';
import { uvs } from '@cs-dfd/uvs';
import * as tf from '@tensorflow/tfjs-core';

await tf.setBackend('cpu');

// Per-source gradients of the same variables (what tf.variableGrads(...).grads returns, once per source).
const original = { w: tf.tensor2d([[-4, 1, 1]]), b: tf.tensor1d([0.5]) };
const synthesized = { w: tf.tensor2d([[6, 1, 1]]), b: tf.tensor1d([-0.5]) };

const { update, weights, info } = aggregate([original, synthesized], uvs({ c: 0.5 }));
console.log(Array.from(weights, (v) => v.toFixed(4))); // ['0.4685', '0.3333']
console.log(Array.from(update.w!.dataSync(), (v) => v.toFixed(4))); // ['0.1261', '0.8018', '0.8018']
console.log(info.radius!.toFixed(12)); // '0.500000000000'
disposeMaps(original, synthesized, update);

export { info, weights };
