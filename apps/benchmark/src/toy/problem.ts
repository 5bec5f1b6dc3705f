/**
 * The two-objective 2-D toy of the CAGrad paper (Liu et al., NeurIPS 2021), also used by Nash-MTL, FAMO and
 * Aligned-MTL (DESIGN §5). Losses and their exact gradients in float64.
 */

/** Lower clamp of |·| inside the logs, as in the reference toy. */
export const LOWER = 5e-6;

/** The six standard starts: three from CAGrad, three from Nash-MTL. */
export const STARTS: readonly (readonly [number, number])[] = [
  [-8.5, 7.5],
  [-8.5, -5],
  [9, 9],
  [0, 0],
  [-7.5, -0.5],
  [9, -1],
];

/** x2 of the Pareto front (the valley floor where both quadratic parts are minimal in x2). */
export const PARETO_X2 = -8.3552;

const sech2 = (t: number) => {
  const c = Math.cosh(t);
  return 1 / (c * c);
};

/** Both losses and both gradients at x. */
export interface ToyEval {
  losses: [number, number];
  grads: [Float64Array, Float64Array];
}

/** L1, L2 and ∇L1, ∇L2 at (x1, x2). */
export function toy(x1: number, x2: number): ToyEval {
  // log-shaped parts
  const u1 = 0.5 * (-x1 - 7) - Math.tanh(-x2);
  const u2 = 0.5 * (-x1 + 3) + Math.tanh(-x2) + 2;
  const a1 = Math.abs(u1);
  const a2 = Math.abs(u2);
  const f1 = Math.log(Math.max(a1, LOWER)) + 6;
  const f2 = Math.log(Math.max(a2, LOWER)) + 6;
  const s2 = sech2(x2);
  const df1 = a1 >= LOWER ? [-0.5 / u1, s2 / u1] : [0, 0];
  const df2 = a2 >= LOWER ? [-0.5 / u2, -s2 / u2] : [0, 0];
  // gates
  const t = Math.tanh(x2 / 2);
  const c1 = Math.max(t, 0);
  const c2 = Math.max(-t, 0);
  const h = 0.5 * sech2(x2 / 2);
  const dc1 = t >= 0 ? h : 0; // torch.clamp passes the gradient at the bound: keeps (0, 0) from being a fixed point
  const dc2 = -t >= 0 ? -h : 0;
  // quadratic parts
  const q = 0.1 * (-x2 - 8) ** 2;
  const f1sq = ((-x1 + 7) ** 2 + q) / 10 - 20;
  const f2sq = ((-x1 - 7) ** 2 + q) / 10 - 20;
  const dq2 = 0.02 * (x2 + 8);
  const df1sq = [(x1 - 7) / 5, dq2];
  const df2sq = [(x1 + 7) / 5, dq2];
  const L1 = f1 * c1 + f1sq * c2;
  const L2 = f2 * c1 + f2sq * c2;
  const g1 = Float64Array.of(
    c1 * df1[0]! + c2 * df1sq[0]!,
    c1 * df1[1]! + f1 * dc1 + c2 * df1sq[1]! + f1sq * dc2,
  );
  const g2 = Float64Array.of(
    c1 * df2[0]! + c2 * df2sq[0]!,
    c1 * df2[1]! + f2 * dc1 + c2 * df2sq[1]! + f2sq * dc2,
  );
  return { losses: [L1, L2], grads: [g1, g2] };
}
