/**
 * The `uvs()` weighting: solver choice, output scaling, reduction and the certificate in `info`.
 */
import {
  checkOption,
  GramianError,
  type Reduction,
  validateGram,
  type Weighting,
  type WeightingResult,
} from '@cs-dfd/gramian';
import { solveTwo } from './closed-form.js';
import { type GeneralSolverOptions, solveGeneral } from './general.js';
import { certify, meanProducts, type UvsSolution } from './solution.js';

/**
 * Output scaling of d*: `none` keeps d* = g0 + c||g0|| u (||d*|| up to (1 + c)||g0||), `one-plus-c` divides by
 * 1 + c (CAGrad's two-task toy), `one-plus-c2` by 1 + c² (CAGrad's multi-task experiments).
 */
export type Rescale = 'none' | 'one-plus-c' | 'one-plus-c2';

/** Which exact solver to use. `auto`: the closed form at K = 2, the general solver otherwise. */
export type UvsSolver = 'auto' | 'closed-form' | 'general';

/** Options of {@link uvs}. */
export interface UvsOptions {
  /** Radius c >= 0 of the search ball, relative to ||g0||. Default 0.5. At most 1e12 (beyond that use MGDA). */
  c?: number;
  /** Output scaling. Default `one-plus-c` (see the README). */
  rescale?: Rescale;
  /** `mean`: d is comparable to the mean-loss gradient (DESIGN §4); `sum`: K times that. Default `mean`. */
  reduction?: Reduction;
  /** Default `auto`. `closed-form` requires K = 2. */
  solver?: UvsSolver;
  /** Stopping rules of the general solver. */
  general?: GeneralSolverOptions;
  /** Reported name. Default `uvs`. */
  name?: string;
}

/** The option values after defaults. */
export interface ResolvedUvsOptions {
  /** Radius c >= 0 of the search ball, relative to ||g0||. */
  c: number;
  /** Output scaling. */
  rescale: Rescale;
  /** `mean` or `sum` of the task gradients. */
  reduction: Reduction;
  /** The solver used. */
  solver: UvsSolver;
  /** Stopping rules of the general solver. */
  general: GeneralSolverOptions;
  /** Reported name. */
  name: string;
}

const RESCALES: readonly Rescale[] = ['none', 'one-plus-c', 'one-plus-c2'];
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum'];
const SOLVERS: readonly UvsSolver[] = ['auto', 'closed-form', 'general'];
/** Largest accepted c: d* / c converges to the MGDA direction long before, and weights grow like c. */
export const MAX_C = 1e12;

function checkChoice<T extends string>(
  method: string,
  option: string,
  value: T,
  allowed: readonly T[],
): void {
  if (!allowed.includes(value)) {
    throw new GramianError(
      'invalid-option',
      `${method}: option ${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
}

/** Applies defaults and validates; throws `invalid-option` GramianErrors naming the option. */
export function resolveUvsOptions(
  options: UvsOptions = {},
  defaults: Partial<ResolvedUvsOptions> = {},
): ResolvedUvsOptions {
  const name = options.name ?? defaults.name ?? 'uvs';
  const resolved: ResolvedUvsOptions = {
    c: options.c ?? defaults.c ?? 0.5,
    rescale: options.rescale ?? defaults.rescale ?? 'one-plus-c',
    reduction: options.reduction ?? defaults.reduction ?? 'mean',
    solver: options.solver ?? defaults.solver ?? 'auto',
    general: { ...defaults.general, ...options.general },
    name,
  };
  if (typeof resolved.c !== 'number') {
    throw new GramianError(
      'invalid-option',
      `${name}: option c must be a number, got ${JSON.stringify(resolved.c)}`,
    );
  }
  checkOption(name, 'c', resolved.c, 0, MAX_C);
  checkChoice(name, 'rescale', resolved.rescale, RESCALES);
  checkChoice(name, 'reduction', resolved.reduction, REDUCTIONS);
  checkChoice(name, 'solver', resolved.solver, SOLVERS);
  const { tolerance, maxIterations } = resolved.general;
  if (tolerance !== undefined) checkOption(name, 'general.tolerance', tolerance, 1e-15, 1e-3);
  if (maxIterations !== undefined) {
    checkOption(name, 'general.maxIterations', maxIterations, 1, 10_000);
    if (!Number.isInteger(maxIterations)) {
      throw new GramianError(
        'invalid-option',
        `${name}: option general.maxIterations must be an integer, got ${maxIterations}`,
      );
    }
  }
  return resolved;
}

/** The factor applied by `rescale`. */
export function rescaleFactor(rescale: Rescale, c: number): number {
  if (rescale === 'one-plus-c') return 1 / (1 + c);
  if (rescale === 'one-plus-c2') return 1 / (1 + c * c);
  return 1;
}

/** Runs the chosen exact solver on a validated G. */
export function solveUvs(G: ArrayLike<number>, K: number, options: ResolvedUvsOptions): UvsSolution {
  const useClosedForm = options.solver === 'closed-form' || (options.solver === 'auto' && K === 2);
  if (useClosedForm) {
    if (K !== 2) {
      throw new GramianError('shape', `${options.name}: solver 'closed-form' needs K = 2, got K = ${K}`);
    }
    return solveTwo(G, options.c);
  }
  return solveGeneral(G, K, options.c, options.general);
}

/**
 * The `solve` result of a UVS-type weighting. `info` (DESIGN §4 certificate, for the unrescaled d*):
 * - `primal`: min_i <g_i, d*>; `dual`: F(w*); `gap`: dual - primal (0 up to rounding: strong duality)
 * - `radius`: ||d* - g0|| / ||g0|| (= c when the radius constraint is active); `c`
 * - `conflict`: 1 when the mean conflicts with some source (min_i <g_i, g0> < 0), else 0
 * - `degenerate`: 1 when 0 is in the hull of the gradients and d* is the no-conflict projection of g0
 * - `iterations`: projections used by the general solver (0 for the closed form)
 * - `g0Norm`: ||g0||; `updateNorm`: ||d|| after rescale and reduction; `meanDecrease`: min_i <g_i, g0>
 * - `scale`: the factor rescale × reduction applied to the unrescaled weights
 */
export function solveWeighting(G: Float64Array, K: number, options: ResolvedUvsOptions): WeightingResult {
  validateGram(G, K);
  const solution = solveUvs(G, K, options);
  const cert = certify(G, K, options.c, solution);
  const factor = rescaleFactor(options.rescale, options.c) * (options.reduction === 'sum' ? K : 1);
  // λ is in the mean convention (d* is compared with g0, the mean gradient); `sum` multiplies by K.
  const weights = solution.lambda.map((v) => v * factor);
  let meanDecrease = Infinity;
  const b = meanProducts(G, K);
  for (let i = 0; i < K; i++) meanDecrease = Math.min(meanDecrease, b[i]!);
  return {
    weights,
    info: {
      primal: cert.primal,
      dual: cert.dual,
      gap: cert.dual - cert.primal,
      radius: cert.radius,
      c: options.c,
      conflict: meanDecrease < 0 ? 1 : 0,
      degenerate: solution.degenerate ? 1 : 0,
      iterations: solution.iterations,
      g0Norm: cert.g0Norm,
      updateNorm: cert.updateNorm * factor,
      meanDecrease,
      scale: factor,
    },
  };
}

/**
 * UVS (Update Vector Search, DESIGN §4): among updates within c||g0|| of the mean gradient g0, the one that maximises
 * the smallest per-source first-order loss decrease min_i <g_i, d>. Exact: closed form at K = 2, exact convex
 * solver beyond; `solve` also returns the duality certificate. Throws `invalid-option` for bad options and the
 * typed GramianError of `validateGram` for a bad G.
 */
export function uvs(options: UvsOptions = {}): Weighting {
  const resolved = resolveUvsOptions(options);
  return {
    name: resolved.name,
    weights: (G, K) => solveWeighting(G, K, resolved).weights,
    solve: (G, K) => solveWeighting(G, K, resolved),
  };
}
