// Validation against computations that share no code with the solvers: a fine search over the disk
// ||d - g0|| <= c ||g0|| in the plane of the gradients, and a simplex grid for the MGDA min-norm point.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uvs } from '../src/index.js';
import { combineRows, dot, gramOf, meanRow, norm, type Rows, rowsArb } from './helpers.js';

/** max over the disk of min_i <g_i, d>: boundary circle (fine) plus a polar interior grid (coarse). */
function bruteForcePrimal(rows: Rows, c: number): number {
  const g0 = meanRow(rows);
  const r = c * norm(g0);
  const value = (x: number, y: number) => Math.min(...rows.map((g) => g[0]! * x + g[1]! * y));
  let best = -Infinity;
  const N = 20000;
  for (let k = 0; k < N; k++) {
    const th = (2 * Math.PI * k) / N;
    best = Math.max(best, value(g0[0]! + r * Math.cos(th), g0[1]! + r * Math.sin(th)));
  }
  for (let i = 0; i <= 100; i++) {
    for (let k = 0; k < 400; k++) {
      const rho = (r * i) / 100;
      const th = (2 * Math.PI * k) / 400;
      best = Math.max(best, value(g0[0]! + rho * Math.cos(th), g0[1]! + rho * Math.sin(th)));
    }
  }
  return best;
}

const planar = fc
  .record({
    K: fc.integer({ min: 2, max: 4 }),
    vals: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
    c: fc.double({ min: 0.05, max: 2, noNaN: true }),
  })
  .map(({ K, vals, c }) => ({
    rows: Array.from({ length: K }, (_, i) => [vals[2 * i]!, vals[2 * i + 1]!]),
    c,
  }))
  .filter(({ rows }) => norm(meanRow(rows)) > 1e-3);

describe('independent brute force in R² (K = 2..4, any configuration, degenerate ones included)', () => {
  it('the returned d* lies in the ball and no point of the ball does better', () => {
    fc.assert(
      fc.property(planar, ({ rows, c }) => {
        const K = rows.length;
        const w = uvs({ c, rescale: 'none' }).weights(gramOf(rows), K);
        const d = combineRows(rows, w);
        const g0 = meanRow(rows);
        const r = c * norm(g0);
        const unit = Math.max(...rows.map(norm));
        // 1e-7: G-space rounding, amplified where two gradients are nearly antiparallel
        expect(norm(d.map((v, p) => v - g0[p]!))).toBeLessThanOrEqual(r * (1 + 1e-7) + 1e-12);
        const primal = Math.min(...rows.map((g) => dot(g, d)));
        const brute = bruteForcePrimal(rows, c);
        // the grid can only under-estimate the maximum, by about r ||g|| (2π / N)
        // 1e-7: near-degenerate inputs (0 within rounding of the hull, c within ~1e-8 of 1) are only resolved to
        // the certificate's sqrt(eps)-level resolution (README, "Numerical resolution")
        expect(primal).toBeGreaterThanOrEqual(brute - 1e-7 * unit * unit);
        expect(primal).toBeLessThanOrEqual(brute + 2e-3 * r * unit + 1e-12);
      }),
      { numRuns: 60 },
    );
  });
});

/** min over a simplex grid (step 1/n) of ||Σ w_i g_i||, K = 3: the MGDA min-norm point, brute force. */
function bruteMinNorm3(rows: Rows, n: number): number[] {
  const P = rows.map((a) => rows.map((b) => dot(a, b)));
  let best = Infinity;
  let arg = [1, 0, 0];
  for (let i = 0; i <= n; i++) {
    for (let j = 0; i + j <= n; j++) {
      const w = [i / n, j / n, (n - i - j) / n];
      let q = 0;
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) q += w[a]! * P[a]![b]! * w[b]!;
      if (q < best) {
        best = q;
        arg = w;
      }
    }
  }
  return combineRows(rows, arg);
}

describe('c -> large tends to the MGDA min-norm direction', () => {
  it('K = 2: cosine with the closed-form min-norm point (written here) -> 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (v) => {
          const rows = [v.slice(0, 3), v.slice(3)];
          const [g1, g2] = rows as [number[], number[]];
          const diff = g1.map((x, p) => x - g2[p]!);
          const a = dot(diff, diff);
          fc.pre(a > 1e-6);
          // min-norm point of the segment: t = <g2, g2 - g1> / ||g1 - g2||², clamped
          const t = Math.min(1, Math.max(0, -dot(g2, diff) / a));
          const mn = combineRows(rows, [t, 1 - t]);
          fc.pre(norm(mn) > 1e-3 * Math.max(norm(g1), norm(g2)));
          const d = combineRows(rows, uvs({ c: 1e6 }).weights(gramOf(rows), 2));
          expect(dot(d, mn) / (norm(d) * norm(mn))).toBeGreaterThan(1 - 1e-6);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('K = 3: cosine with a brute-force min-norm point on a simplex grid -> 1', () => {
    fc.assert(
      fc.property(rowsArb({ minK: 3, maxK: 3, minP: 3, maxP: 5, fullRank: true }), (rows) => {
        const mn = bruteMinNorm3(rows, 500);
        fc.pre(norm(mn) > 0.05 * Math.max(...rows.map(norm)));
        const d = combineRows(rows, uvs({ c: 1e6 }).weights(gramOf(rows), 3));
        expect(dot(d, mn) / (norm(d) * norm(mn))).toBeGreaterThan(1 - 1e-3);
      }),
      { numRuns: 30 },
    );
  });
});
