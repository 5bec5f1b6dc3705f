import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { certify, solveGeneral, solveTwo, uvs } from '../src/index.js';
import { gramDistance, gramOf, maxNorm, rowsArb } from './helpers.js';

const cArb = fc.double({ min: 0.01, max: 3, noNaN: true });
const runs = { numRuns: 150 };

describe('K = 2: closed form and general solver agree', () => {
  it('same d to 1e-9 relative, same certificate', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 2, maxK: 2, maxP: 5 }), cArb, (rows, c) => {
        const G = gramOf(rows);
        const a = solveTwo(G, c);
        const b = solveGeneral(G, 2, c);
        const unit = maxNorm(G, 2) * (1 + c);
        expect(gramDistance(G, 2, a.lambda, b.lambda)).toBeLessThanOrEqual(1e-9 * unit);
        const ca = certify(G, 2, c, a);
        const cb = certify(G, 2, c, b);
        expect(Math.abs(ca.primal - cb.primal)).toBeLessThanOrEqual(1e-9 * unit * unit);
      }),
      { numRuns: 400 },
    );
  });

  it('same weights to 1e-9 relative when the two gradients are linearly independent', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 2, maxK: 2, minP: 2, maxP: 5, fullRank: true }), cArb, (rows, c) => {
        const G = gramOf(rows);
        const a = solveTwo(G, c).lambda;
        const b = solveGeneral(G, 2, c).lambda;
        const m = Math.max(Math.abs(a[0]!), Math.abs(a[1]!));
        // independence is only numerical: nearly parallel pairs (sin² of the angle below 1e-2) make the weights
        // ill-conditioned (d still agrees, see above)
        const det = G[0]! * G[3]! - G[1]! * G[2]!;
        fc.pre(det > 1e-2 * G[0]! * G[3]!);
        expect(Math.abs(a[0]! - b[0]!)).toBeLessThanOrEqual(1e-9 * m);
        expect(Math.abs(a[1]! - b[1]!)).toBeLessThanOrEqual(1e-9 * m);
      }),
      { numRuns: 400 },
    );
  });
});

describe('certificate', () => {
  it('strong duality: primal = dual, finite weights, for K = 1..6 of any rank', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 1, maxK: 6 }), cArb, (rows, c) => {
        const K = rows.length;
        const G = gramOf(rows);
        const { weights, info } = uvs({ c, rescale: 'none' }).solve!(G, K);
        for (const v of weights) expect(Number.isFinite(v)).toBe(true);
        // In the degenerate case the dual point has g_w ≈ 0, and sqrt(wᵀGw) cannot resolve a norm below
        // sqrt(eps) of the scale (G's rounding is absolute), so the gap there is only certified to ~1e-8.
        const unit = maxNorm(G, K) ** 2 * (1 + c) * (info.degenerate ? 100 : 1);
        expect(Math.abs(info.primal! - info.dual!)).toBeLessThanOrEqual(1e-9 * unit);
        expect(Math.abs(info.gap!)).toBeLessThanOrEqual(1e-9 * unit);
      }),
      runs,
    );
  });

  it('the radius constraint is active (||d* - g0|| = c ||g0||) unless the solution is degenerate', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 1, maxK: 6 }), cArb, (rows, c) => {
        const K = rows.length;
        const { info } = uvs({ c }).solve!(gramOf(rows), K);
        if (info.degenerate === 0) expect(Math.abs(info.radius! - c)).toBeLessThanOrEqual(1e-9 * c);
        else expect(info.radius!).toBeLessThanOrEqual(c * (1 + 1e-9));
      }),
      runs,
    );
  });

  it('linearly independent gradients are never degenerate, so conflicting ones always use the full radius', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 2, maxK: 5, minP: 2, maxP: 6, fullRank: true }), cArb, (rows, c) => {
        const K = rows.length;
        const { info } = uvs({ c }).solve!(gramOf(rows), K);
        expect(info.degenerate).toBe(0);
        expect(Math.abs(info.radius! - c)).toBeLessThanOrEqual(1e-9 * c);
      }),
      runs,
    );
  });
});

describe('documented limits of the radius c', () => {
  it('c = 0 gives the mean exactly', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 1, maxK: 6 }), (rows) => {
        const K = rows.length;
        for (const rescale of ['none', 'one-plus-c', 'one-plus-c2'] as const) {
          const w = uvs({ c: 0, rescale }).weights(gramOf(rows), K);
          expect(Array.from(w)).toEqual(new Array(K).fill(1 / K));
        }
      }),
      { numRuns: 50 },
    );
  });

  it('c >= 1 never conflicts: <g_i, d*> >= 0 for every source', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 1, maxK: 6 }), fc.double({ min: 1, max: 50, noNaN: true }), (rows, c) => {
        const K = rows.length;
        const G = gramOf(rows);
        const w = uvs({ c }).weights(G, K);
        const tol = 1e-9 * maxNorm(G, K) ** 2 * (1 + c);
        for (let i = 0; i < K; i++) {
          let s = 0;
          for (let j = 0; j < K; j++) s += G[i * K + j]! * w[j]!;
          expect(s).toBeGreaterThanOrEqual(-tol);
        }
      }),
      runs,
    );
  });
});

describe('invariances', () => {
  it('permuting the sources permutes the update (same d; same weights for independent gradients)', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 2, maxK: 6 }), cArb, fc.integer(), (rows, c, seed) => {
        const K = rows.length;
        const perm = rows.map((_, i) => i);
        let s = seed >>> 0;
        for (let i = K - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        const G = gramOf(rows);
        const Gp = gramOf(perm.map((i) => rows[i]!));
        const a = uvs({ c }).solve!(G, K);
        const b = uvs({ c }).solve!(Gp, K);
        const back = new Float64Array(K);
        perm.forEach((src, dst) => {
          back[src] = b.weights[dst]!;
        });
        const unit = maxNorm(G, K);
        // degenerate answers are certified only to sqrt(eps) (see the strong-duality property)
        const resolution = a.info.degenerate || b.info.degenerate ? 1e-7 : 1e-9;
        expect(Math.abs(a.info.primal! - b.info.primal!)).toBeLessThanOrEqual(
          resolution * unit * unit * (1 + c),
        );
        // d* is unique, but where min_i <g_i, d> is flat around it (c ≈ 1 with 0 near the hull) an objective
        // known to rounding ε fixes d only to ~sqrt(ε); typical cases agree to 1e-12.
        expect(gramDistance(G, K, a.weights, back)).toBeLessThanOrEqual(1e-6 * unit);
      }),
      runs,
    );
  });

  it('G -> sG leaves the weights unchanged, s from 1e-20 to 1e30 (gradients of scale 1e-10..1e15)', () => {
    fc.assert(
      fc.property(
        rowsArb({ minK: 1, maxK: 6 }),
        cArb,
        fc.constantFrom(1e-20, 1e-12, 1e-4, 1e8, 1e20, 1e30),
        (rows, c, s) => {
          const K = rows.length;
          const G = gramOf(rows);
          const a = uvs({ c }).solve!(G, K);
          const b = uvs({ c }).solve!(
            G.map((v) => v * s),
            K,
          );
          for (let i = 0; i < K; i++) expect(Number.isFinite(b.weights[i]!)).toBe(true);
          const unit = maxNorm(G, K);
          expect(Math.abs(a.info.primal! - b.info.primal! / s)).toBeLessThanOrEqual(
            (a.info.degenerate || b.info.degenerate ? 1e-7 : 1e-9) * unit * unit * (1 + c),
          );
          // Scaling changes G's rounding; where 0 sits within rounding of the hull (degenerate flag on either
          // side) d itself is determined only to the certificate's resolution, not to 1e-9.
          if (!a.info.degenerate && !b.info.degenerate) {
            expect(gramDistance(G, K, a.weights, b.weights)).toBeLessThanOrEqual(1e-6 * unit);
          }
        },
      ),
      runs,
    );
  });
});
