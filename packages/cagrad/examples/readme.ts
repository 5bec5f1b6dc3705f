import '@tensorflow/tfjs-backend-cpu';
import { cagrad } from '@cs-dfd/cagrad';
import { aggregate, disposeMaps } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';

await tf.setBackend('cpu');

const task1 = { w: tf.tensor1d([-4, 1, 1]) };
const task2 = { w: tf.tensor1d([6, 1, 1]) };
const { update, weights, info } = aggregate([task1, task2], cagrad({ rescale: 'none' }));
// torchjd's test values
console.log(Array.from(weights, (v) => v.toFixed(4))); // ['0.7041', '0.5000']
console.log(Array.from(update.w!.dataSync(), (v) => v.toFixed(4))); // ['0.1835', '1.2041', '1.2041']
disposeMaps(task1, task2, update);

export { info, weights };
