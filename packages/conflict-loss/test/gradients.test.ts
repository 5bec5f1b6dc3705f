// ∇L_cd of every mode against independent references: the float64 host forward (central differences), tfjs
// autodiff of the per-source BCE (for h_k itself), and the modes against each other, on cpu and wasm.
import { bceWithLogits } from '@cs-dfd/backend/ops';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { asGenericHead, type ConflictMode, conflictDescentLoss, headGradients } from '../src/index.js';
import { BACKENDS, flat, relErr, setupBackends, toTensors } from './helpers.js';
import {
  curvature,
  finiteDifferences,
  type HostActivation,
  type HostRho,
  hostCosines,
  hostHeadGradients,
  hostLcd,
  randomProblem,
} from './host.js';

beforeAll(setupBackends);

const activations: HostActivation[] = ['identity', 'softplus', 'tanh'];
const rhos: HostRho[] = ['hinge', 'linear'];

const problemArb = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  K: fc.integer({ min: 2, max: 3 }),
  act: fc.constantFrom(...activations),
  rho: fc.constantFrom(...rhos),
});

/** tfjs gradient of L_cd (mode) with respect to F, Wp, bp, v, b, flattened. */
function tfGradient(
  p: ReturnType<typeof randomProblem>,
  mode: ConflictMode,
): { value: number; grad: number[] } {
  const t = toTensors(p);
  const { value, grads } = tf
    .engine()
    .gradients(
      () => conflictDescentLoss(t.head, t.F, t.batch, { mode, rho: p.rho }).loss,
      t.xs,
      undefined,
      true,
    );
  const out = {
    value: value.dataSync()[0]!,
    grad: t.xs.flatMap((x, i) => flat([grads[i] ?? tf.zerosLike(x)])),
  };
  tf.dispose([value, ...grads.filter((g) => g !== undefined), ...t.xs]);
  return out;
}

/** True when some pair's cosine sits within `margin` of the hinge's kink at 0 (where FD is meaningless). */
function nearKink(p: ReturnType<typeof randomProblem>, margin = 0.03): boolean {
  if (p.rho !== 'hinge') return false;
  return hostCosines(hostHeadGradients(p)).some((row, k) =>
    row.some((c, l) => l > k && Math.abs(c) < margin),
  );
}

describe.each(BACKENDS)('on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('closed-form h_k equals tfjs autodiff of the per-source BCE over (W_p, b_p), and the host h_k', () => {
    fc.assert(
      fc.property(problemArb, ({ seed, K, act, rho }) => {
        const p = randomProblem(new Rng(seed), { K, D: 3, P: 4, act, rho });
        const t = toTensors(p);
        const h = headGradients(t.head, t.F, t.batch);
        const closed = h.arraySync();
        p.sources.forEach((rows, k) => {
          const Fk = tf.tensor2d(rows.map((n) => p.F[n]!));
          const yk = tf.tensor1d(rows.map((n) => p.y[n]!));
          const g = tf.grads((Wp: tf.Tensor, bp: tf.Tensor) =>
            bceWithLogits(
              tf.reshape(
                tf.add(
                  tf.matMul(
                    t.head.phi(tf.add(tf.matMul(Fk, Wp, false, true), bp)),
                    tf.reshape(t.xs[3]!, [-1, 1]),
                  ),
                  t.xs[4]!,
                ),
                [-1],
              ),
              yk,
            ),
          )([t.xs[1]!, t.xs[2]!]);
          expect(relErr(closed[k]!, flat(g))).toBeLessThan(2e-5);
          tf.dispose([Fk, yk, ...g]);
        });
        const host = hostHeadGradients(p);
        host.forEach((hk, k) => expect(relErr(closed[k]!, hk)).toBeLessThan(2e-5));
        tf.dispose([h, ...t.xs]);
      }),
      { numRuns: 12 },
    );
  });

  it('exact: L_cd equals the host value and ∇L_cd equals float64 central differences (features and head)', () => {
    fc.assert(
      fc.property(problemArb, ({ seed, K, act, rho }) => {
        const p = randomProblem(new Rng(seed), { K, D: 3, P: 4, act, rho });
        fc.pre(!nearKink(p));
        const { value, grad } = tfGradient(p, 'exact');
        expect(value).toBeCloseTo(hostLcd(p), 5);
        expect(relErr(grad, finiteDifferences(p))).toBeLessThan(2e-3);
      }),
      { numRuns: 25 },
    );
  });

  it('generic (nested gradients through second-order-safe ops) equals exact and finite differences', () => {
    fc.assert(
      fc.property(problemArb, ({ seed, K, act, rho }) => {
        const p = randomProblem(new Rng(seed), { K, D: 3, P: 4, act, rho });
        fc.pre(!nearKink(p));
        const exact = tfGradient(p, 'exact');
        const generic = tfGradient(p, 'generic');
        expect(generic.value).toBeCloseTo(exact.value, 5);
        expect(relErr(generic.grad, exact.grad)).toBeLessThan(1e-3);
        expect(relErr(generic.grad, finiteDifferences(p))).toBeLessThan(2e-3);
      }),
      { numRuns: 15 },
    );
  });

  it('generic accepts a user head given as {params, loss} and matches exact', () => {
    const p = randomProblem(new Rng(7), { K: 2, D: 3, P: 4, act: 'softplus', rho: 'linear' });
    const t = toTensors(p);
    const user = asGenericHead(t.head); // the same head, handed over as a black box
    const run = (head: Parameters<typeof conflictDescentLoss>[0], mode: ConflictMode) => {
      const { value, grads } = tf
        .engine()
        .gradients(() => conflictDescentLoss(head, t.F, t.batch, { mode, rho: 'linear' }).loss, t.xs);
      const g = flat(grads);
      tf.dispose([value, ...grads]);
      return g;
    };
    expect(relErr(run(user, 'generic'), run(t.head, 'exact'))).toBeLessThan(1e-3);
    tf.dispose(t.xs);
  });

  it('diagonal equals central differences of the host L_cd with σ(s) - y and φ′(u) frozen', () => {
    fc.assert(
      fc.property(problemArb, ({ seed, K, act, rho }) => {
        const p = randomProblem(new Rng(seed), { K, D: 3, P: 4, act, rho });
        fc.pre(!nearKink(p));
        const frozen = curvature(p);
        const { value, grad } = tfGradient(p, 'diagonal');
        expect(value).toBeCloseTo(hostLcd(p), 5);
        expect(
          relErr(
            grad,
            finiteDifferences(p, (q) => hostLcd(q, frozen)),
          ),
        ).toBeLessThan(2e-3);
      }),
      { numRuns: 15 },
    );
  });

  it('diagonal equals exact when the curvature factors are constant: linear φ, one row per source', () => {
    // With φ′ = 1 and one row per source, σ(s_k) - y_k only scales h_k, and a cosine ignores positive scale:
    // the terms diagonal drops are exactly zero.
    fc.assert(
      fc.property(problemArb, ({ seed, K, rho }) => {
        const p = randomProblem(new Rng(seed), { K, D: 3, P: 4, act: 'identity', rho, maxRows: 1 });
        fc.pre(!nearKink(p));
        expect(relErr(tfGradient(p, 'diagonal').grad, tfGradient(p, 'exact').grad)).toBeLessThan(1e-4);
      }),
      { numRuns: 10 },
    );
  });

  it('diagonal differs from exact when the curvature factors vary (softplus φ, several rows per source)', () => {
    const p = randomProblem(new Rng(11), { K: 2, D: 3, P: 4, act: 'softplus', rho: 'linear', maxRows: 4 });
    p.sources = [
      [0, 1, 2],
      [3, 4],
    ].map((r) => r.filter((n) => n < p.F.length));
    const diag = tfGradient(p, 'diagonal').grad;
    const exact = tfGradient(p, 'exact').grad;
    expect(relErr(diag, exact, 0)).toBeGreaterThan(0.05);
    // W_p, b_p and b enter h_k only through the frozen factors: diagonal gives them no gradient, exact does.
    const nF = p.F.length * 3;
    const wp = (g: number[]) => g.slice(nF, nF + 12);
    expect(wp(diag).every((x) => x === 0)).toBe(true);
    expect(Math.max(...wp(exact).map(Math.abs))).toBeGreaterThan(1e-3);
    // ... and exact is the one that matches the true derivative.
    expect(relErr(exact, finiteDifferences(p))).toBeLessThan(2e-3);
  });

  it('leaves no tensors behind', () => {
    const p = randomProblem(new Rng(3), { K: 3, D: 3, P: 4, act: 'tanh', rho: 'hinge' });
    tfGradient(p, 'exact'); // warm-up allocations of the backend
    const before = tf.memory().numTensors;
    for (const mode of ['exact', 'diagonal', 'generic'] as const) tfGradient(p, mode);
    expect(tf.memory().numTensors).toBe(before);
  });
});
