import '@tensorflow/tfjs-backend-cpu';
import { createDetector } from '@cs-dfd/detectors';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradCam, gradCamMaps, upsampleMaps } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = false;
});

describe('gradCamMaps', () => {
  it('peaks where the logit looks: a 4×4 map whose logit reads only the top-right 2×2 region', () => {
    // Channel 0 fires in the top-right region R; channel 1 is a stronger distractor in the bottom-left.
    // The logit s = Σ_R A_0 − 0.5 Σ_R A_1 reads R only, so by hand α_0 = 4/16 and α_1 = −0.5·4/16, and
    // ReLU(0.25 A_0 − 0.125 A_1) is 0.25 on R, 0.025 on the background and 0 on the distractor.
    const h = 4;
    const inR = (r: number, c: number) => r < 2 && c >= 2;
    const inD = (r: number, c: number) => r >= 2 && c < 2;
    const data = new Float32Array(h * h * 2);
    for (let r = 0; r < h; r++)
      for (let c = 0; c < h; c++) {
        data[(r * h + c) * 2] = inR(r, c) ? 1 : 0.1;
        data[(r * h + c) * 2 + 1] = inD(r, c) ? 3 : 0;
      }
    const mask = tf.tensor4d(
      Array.from({ length: h * h * 2 }, (_, k) => {
        const p = Math.floor(k / 2);
        const w = k % 2 === 0 ? 1 : -0.5;
        return inR(Math.floor(p / h), p % h) ? w : 0;
      }),
      [1, h, h, 2],
    );
    const a = tf.tensor4d(data, [1, h, h, 2]);
    const before = tf.memory().numTensors;
    const cam = gradCamMaps(a, (m) => tf.sum(tf.mul(m, mask), [1, 2, 3]) as tf.Tensor1D);
    const expected = Array.from({ length: h * h }, (_, p) => {
      const r = Math.floor(p / h);
      const c = p % h;
      return inR(r, c) ? 0.25 : inD(r, c) ? 0 : 0.025;
    });
    expect(cam.shape).toEqual([1, h, h]);
    Array.from(cam.dataSync()).forEach((v, p) => expect(v).toBeCloseTo(expected[p]!, 6));
    // Upsampled to 16 px, the maximum lies in the top-right quadrant and the distractor's quadrant stays at 0.
    const up = upsampleMaps(cam, 16);
    const u = up.dataSync();
    const arg = u.indexOf(Math.max(...u));
    expect([Math.floor(arg / 16) < 8, arg % 16 >= 8]).toEqual([true, true]);
    expect(Math.max(...u)).toBeCloseTo(0.25, 6);
    for (let r = 10; r < 16; r++) for (let c = 0; c < 6; c++) expect(u[r * 16 + c]).toBeCloseTo(0, 6);
    tf.dispose([cam, up]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, mask]);
  });

  it('for a logit linear in the pooled map, equals ReLU(Σ_c w_c A_c)/(hw) per image (host float64)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (n, hw, C, seed) => {
          let s = seed;
          const next = () => {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            return s / 2 ** 32 - 0.5;
          };
          const A = Float32Array.from({ length: n * hw * hw * C }, next);
          const w = Float32Array.from({ length: C }, next);
          const before = tf.memory().numTensors;
          const got = tf.tidy(() => {
            const wt = tf.tensor1d(w);
            return gradCamMaps(tf.tensor4d(A, [n, hw, hw, C]), (m) =>
              tf.sum(tf.mul(tf.mean(m, [1, 2]), wt), 1),
            ).dataSync();
          });
          expect(tf.memory().numTensors).toBe(before);
          for (let p = 0; p < n * hw * hw; p++) {
            let e = 0;
            for (let c = 0; c < C; c++) e += (w[c]! * A[p * C + c]!) / (hw * hw);
            expect(got[p]).toBeCloseTo(Math.max(0, e), 6);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('gradCam on a detector', () => {
  it('gives a finite non-negative [S, S] map and the detector’s P(fake), without leaking tensors', () => {
    const S = 16;
    const det = createDetector({ backbone: { kind: 'small-cnn', channels: [4, 6] }, inputSize: S, seed: 3 });
    const image = Float32Array.from({ length: S * S * 3 }, (_, k) => ((k * 7919) % 101) / 101);
    const before = tf.memory().numTensors;
    const { map, score } = gradCam(det, image, S);
    expect(tf.memory().numTensors).toBe(before);
    expect(map).toHaveLength(S * S);
    expect(map.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    const p = tf.tidy(() => det.predict(tf.tensor4d(image, [1, S, S, 3])).dataSync()[0]!);
    expect(score).toBeCloseTo(p, 6);
    det.dispose();
  });
});
