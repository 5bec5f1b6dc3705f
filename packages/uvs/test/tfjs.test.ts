import '@tensorflow/tfjs-backend-cpu';
import { combine, gramMatrix } from '@cs-dfd/gramian';
import { aggregate, disposeMaps } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { uvs } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tfjs: aggregate(maps, uvs()) on the cpu backend equals the float64 host path', () => {
  it('K = 2 and K = 4, several parameter shapes, no leaked tensors', () => {
    let s = 7;
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const shapes: Record<string, number[]> = { conv: [3, 3, 2, 4], bias: [4], dense: [16, 3] };
    for (const K of [2, 4]) {
      const before = tf.memory().numTensors;
      const host: Float64Array[] = [];
      const maps: tf.NamedTensorMap[] = [];
      for (let i = 0; i < K; i++) {
        const flat: number[] = [];
        const map: tf.NamedTensorMap = {};
        for (const [name, shape] of Object.entries(shapes)) {
          const vals = Float32Array.from(
            { length: shape.reduce((a, b) => a * b, 1) },
            () => rnd() + (i === 0 ? 0.2 : -0.1),
          );
          flat.push(...vals);
          map[name] = tf.tensor(vals, shape);
        }
        maps.push(map);
        host.push(Float64Array.from(flat));
      }
      const method = uvs({ c: 0.5 });
      const result = aggregate(maps, method);
      const wHost = method.weights(gramMatrix(host), K);
      const dHost = combine(host, wHost);
      const dTensor = Object.keys(shapes).flatMap((k) => Array.from(result.update[k]!.dataSync()));
      const scale = Math.max(...dHost.map(Math.abs));
      dTensor.forEach((v, p) => expect(Math.abs(v - dHost[p]!)).toBeLessThanOrEqual(1e-5 * scale));
      expect(result.info.gap).toBeLessThan(1e-6 * (result.info.g0Norm! ** 2 + 1));
      disposeMaps(...maps, result.update);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
