// Values of L_cd and the cosines on constructed cases whose answer is known in closed form, edge cases, and
// fast-check properties (range, symmetry) against the float64 host reference.
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { conflictDescentLoss, cosineMatrix, type Rho, standardHead } from '../src/index.js';
import { flat, setupBackends, toTensors } from './helpers.js';
import { type HostProblem, hostCosines, hostHeadGradients, hostLcd, randomProblem } from './host.js';

beforeAll(setupBackends);

/** A fixed head: P = 3, D = 2 (softplus φ). */
const HEAD = {
  Wp: [
    [0.5, -0.3],
    [0.2, 0.8],
    [-0.6, 0.1],
  ],
  bp: [0.1, -0.2, 0.05],
  v: [0.7, -1.1, 0.4],
  b: 0.1,
};

/** L_cd and cosines of the fixed head on given rows, labels and sources. */
function evaluate(F: number[][], labels: number[], sources: number[][], rho: Rho, v = HEAD.v) {
  return tf.tidy(() => {
    const head = standardHead(
      { Wp: tf.tensor2d(HEAD.Wp), bp: tf.tensor1d(HEAD.bp), v: tf.tensor1d(v), b: tf.scalar(HEAD.b) },
      'softplus',
    );
    const r = conflictDescentLoss(head, tf.tensor2d(F), { labels, sources }, { rho });
    return { loss: r.loss.dataSync()[0]!, cos: r.cosines.arraySync() };
  });
}

const f1 = [0.9, -0.4];
const f2 = [-0.3, 1.2];

describe('L_cd on constructed cases', () => {
  it.each<Rho>(['hinge', 'linear'])('aligned per-source head gradients give 0 (%s)', (rho) => {
    // Source 1 is a copy of source 0: identical h_k, cosine 1.
    const r = evaluate(
      [f1, f2, f1, f2],
      [1, 0, 1, 0],
      [
        [0, 1],
        [2, 3],
      ],
      rho,
    );
    expect(r.cos[0]![1]).toBeCloseTo(1, 5);
    expect(r.loss).toBeCloseTo(0, 5);
  });

  it.each<Rho>(['hinge', 'linear'])('opposite per-source head gradients give 1 (%s)', (rho) => {
    // One row each, same features, labels 1 and 0: σ(s) - y has opposite signs, so h_1 = -c·h_0 with c > 0.
    const r = evaluate([f1, f1], [1, 0], [[0], [1]], rho);
    expect(r.cos[0]![1]).toBeCloseTo(-1, 5);
    expect(r.loss).toBeCloseTo(1, 5);
  });

  it('unequal source sizes: each h_k is a mean over its own rows', () => {
    // Source 1 lists every row of source 0 three times: same mean, cosine 1, whatever the sizes (a sum would
    // not change the cosine either, so also check a case where mean and sum differ: rows f1 + 2·f2 vs f1 + f2).
    expect(
      evaluate(
        [f1, f2],
        [1, 0],
        [
          [0, 1],
          [0, 0, 0, 1, 1, 1],
        ],
        'linear',
      ).cos[0]![1],
    ).toBeCloseTo(1, 5);
    const F = [f1, f2, f1, f2];
    const labels = [1, 0, 0, 1];
    const sources = [
      [0, 1, 1],
      [2, 3],
    ];
    const p: HostProblem = { F, y: labels, sources, ...HEAD, act: 'softplus', rho: 'linear' };
    const r = evaluate(F, labels, sources, 'linear');
    expect(r.cos[0]![1]).toBeCloseTo(hostCosines(hostHeadGradients(p))[0]![1]!, 5);
    expect(r.loss).toBeCloseTo(hostLcd(p), 5);
  });

  it('K = 3 averages ρ over the three pairs', () => {
    // Sources 0 and 1 agree, source 2 opposes both: hinge ρ = (0 + 1 + 1) / 3.
    const r = evaluate([f1, f1, f1], [1, 1, 0], [[0], [1], [2]], 'hinge');
    expect(r.loss).toBeCloseTo(2 / 3, 5);
    expect(evaluate([f1, f1, f1], [1, 1, 0], [[0], [1], [2]], 'linear').loss).toBeCloseTo(2 / 3, 5);
  });

  it('K = 1 has no pair: L_cd = 0', () => {
    expect(evaluate([f1, f2], [1, 0], [[0, 1]], 'linear').loss).toBe(0);
  });

  it('zero head gradients (v = 0): cosine 0, hinge 0, linear 1/2, finite zero-safe gradients', () => {
    const hinge = evaluate([f1, f2], [1, 0], [[0], [1]], 'hinge', [0, 0, 0]);
    expect(hinge.cos).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(hinge.loss).toBe(0);
    expect(evaluate([f1, f2], [1, 0], [[0], [1]], 'linear', [0, 0, 0]).loss).toBe(0.5);
    const p = randomProblem(new Rng(5), { K: 2, D: 2, P: 3, act: 'tanh', rho: 'linear' });
    p.v = [0, 0, 0];
    const t = toTensors(p);
    const { value, grads } = tf
      .engine()
      .gradients(() => conflictDescentLoss(t.head, t.F, t.batch, { rho: 'linear' }).loss, t.xs);
    expect(flat(grads).every(Number.isFinite)).toBe(true);
    tf.dispose([value, ...grads, ...t.xs]);
  });

  it('cosineMatrix: a zero row gives cosine 0 and a finite gradient; others are G_kl / sqrt(G_kk G_ll)', () => {
    const G = tf.tensor2d([
      [4, 0, 2],
      [0, 0, 0],
      [2, 0, 9],
    ]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(cosineMatrix(x as tf.Tensor2D)))(G);
    const cos = cosineMatrix(G).arraySync();
    expect(cos[0]![2]).toBeCloseTo(2 / 6, 6);
    expect(cos[1]).toEqual([0, 0, 0]);
    expect(cos[0]![0]).toBeCloseTo(1, 6);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([G, g]);
  });

  it('properties: L_cd in [0, 1], cosines in [-1, 1] and equal to the host, invariant to source and row order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2, max: 4 }),
        fc.constantFrom<Rho>('hinge', 'linear'),
        (seed, K, rho) => {
          const rng = new Rng(seed);
          const p = randomProblem(rng, { K, D: 3, P: 4, act: 'softplus', rho });
          const t = toTensors(p);
          const base = conflictDescentLoss(t.head, t.F, t.batch, { rho });
          const loss = base.loss.dataSync()[0]!;
          const cos = base.cosines.arraySync();
          expect(loss).toBeGreaterThanOrEqual(0);
          expect(loss).toBeLessThanOrEqual(1);
          const host = hostCosines(hostHeadGradients(p));
          cos.forEach((row, k) =>
            row.forEach((c, l) => {
              expect(Math.abs(c)).toBeLessThanOrEqual(1 + 1e-6);
              expect(c).toBeCloseTo(host[k]![l]!, 4);
            }),
          );
          const shuffled = {
            labels: t.batch.labels,
            sources: rng.shuffle([...t.batch.sources]).map((r) => rng.shuffle([...r])),
          };
          const again = conflictDescentLoss(t.head, t.F, shuffled, { rho });
          expect(again.loss.dataSync()[0]).toBeCloseTo(loss, 5);
          tf.dispose([base.loss, base.cosines, again.loss, again.cosines, ...t.xs]);
        },
      ),
      { numRuns: 30 },
    );
  });
});
