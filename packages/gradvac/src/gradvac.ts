import {
  applyReduction,
  checkChoice,
  checkOption,
  correctInRandomOrder,
  GramianError,
  type JsonValue,
  type MethodState,
  type Reduction,
  validateGram,
  type Weighting,
  type WeightingResult,
} from '@cs-dfd/gramian';
import { Rng, type RngState } from '@cs-dfd/rng';

/**
 * Targets are capped here: the adjustment divides by sqrt(1 - T²), and an EMA of cosines that were all 1 reaches
 * T = 1 exactly after a few thousand steps. With the cap the largest coefficient is about 1.4e3 · ||g_i|| / ||g_j||.
 */
export const MAX_TARGET = 1 - 1e-6;

/** Options of {@link gradVac}. */
export interface GradVacOptions {
  /**
   * EMA rate β of the target cosines, φ̂ ← (1 − β) φ̂ + β φ (in (0, 1]). Default 0.01, torchjd's default for the
   * paper's Eq. 3: targets that average over ~100 steps, i.e. the pair's typical similarity rather than the last
   * minibatch's. LibMTL uses 0.5, which forgets within a few steps.
   */
  beta?: number;
  /** A fixed target cosine in [-1, 1) for every pair instead of the EMA (0 gives PCGrad). Default: the EMA. */
  target?: number;
  /** Seed of the per-task order (default 0): for every call and task i = 0..K-1, one `rng.permutation(K)`. */
  seed?: number;
  /** `'sum'` (default, as the paper, PCGrad and torchjd) or `'mean'` (d / K: an effective learning-rate factor of K). */
  reduction?: Reduction;
}

/** The stateful weighting returned by {@link gradVac}. */
export interface GradVacWeighting extends Weighting {
  /** Weights plus `info.adjustments` (pairs raised to their target this call) and `info.meanTarget` (before it). */
  solve(G: Float64Array, K: number): WeightingResult;
  /** Forgets the targets (back to 0, i.e. PCGrad on the next call) and restarts the order stream from the seed. */
  reset(): void;
  /** A copy of the K×K row-major target cosines (null before the first call or after `reset()`). */
  targets(): Float64Array | null;
  /** Everything the next call depends on besides G and the options, as plain JSON: see {@link GradVacState}. */
  exportState(): GradVacState;
  /**
   * Continues from an {@link exportState} of an instance with the same options: the following calls return bit
   * for bit what that instance's would have. Throws a `GramianError` with code `invalid-state` naming the field
   * when the state is malformed; the instance is unchanged then.
   */
  importState(state: MethodState): void;
}

/** GradVac's state as plain JSON numbers (float64 round-trips through JSON exactly). */
export interface GradVacState extends MethodState {
  /** Number of tasks the targets track (0 before the first call, and always with a fixed `target`). */
  K: number;
  /** The K×K row-major EMA target cosines, or null when there are none yet. */
  targets: number[] | null;
  /** The per-task order stream's position (`@cs-dfd/rng` state: four uint32). */
  rng: [number, number, number, number];
}

/**
 * GradVac — "Gradient Vaccine" (Wang et al., ICLR 2021). Like PCGrad, each task's gradient is corrected against the
 * others in a random order, but towards a per-pair *target* cosine φ̂_ij instead of towards orthogonality: when the
 * current g_i' has cos(g_i', g_j) = φ < φ̂_ij, it becomes
 *
 *   g_i' + ||g_i'|| (φ̂ sqrt(1 − φ²) − φ sqrt(1 − φ̂²)) / (||g_j|| sqrt(1 − φ̂²)) · g_j,
 *
 * which has cosine exactly φ̂ with g_j. Targets start at 0, so the first call is exactly PCGrad. After each call every
 * target moves towards the pair's observed cosine: φ̂_ij ← (1 − β) φ̂_ij + β cos(g_i, g_j), for every pair whose
 * gradients are both non-zero. (We track the cosine of the original gradients, so targets are symmetric and do not
 * depend on the order; LibMTL tracks the partly corrected g_i' and only when it corrects.)
 *
 * Gram space: g_i' is kept as coefficients over the original gradients, so everything comes from G. Weights are
 * invariant under G -> sG and so is the state.
 */
export function gradVac(options: GradVacOptions = {}): GradVacWeighting {
  const beta = options.beta ?? 0.01;
  const seed = options.seed ?? 0;
  const reduction = options.reduction ?? 'sum';
  const fixed = options.target;
  if (!(beta > 0 && beta <= 1)) {
    throw new GramianError('invalid-option', `gradVac: option beta must be in (0, 1], got ${beta}`);
  }
  if (fixed !== undefined) checkOption('gradVac', 'target', fixed, -1, MAX_TARGET);
  if (!Number.isFinite(seed)) {
    throw new GramianError('invalid-option', `gradVac: option seed must be a finite number, got ${seed}`);
  }
  checkChoice('gradVac', 'reduction', reduction, ['sum', 'mean']);
  let rng = new Rng(seed);
  let ema: Float64Array | null = null;
  let tracked = 0;

  const solve = (G: Float64Array, K: number): WeightingResult => {
    validateGram(G, K);
    if (ema !== null && tracked !== K) {
      throw new GramianError(
        'shape',
        `gradVac: its targets track K = ${tracked} tasks but G has K = ${K}; call reset() to start over`,
      );
    }
    const targets = ema ?? new Float64Array(K * K);
    const norms = Float64Array.from({ length: K }, (_, i) => Math.sqrt(G[i * K + i]!));
    let meanTarget = 0;
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) if (i !== j) meanTarget += targets[i * K + j]!;
    meanTarget = K > 1 ? meanTarget / (K * (K - 1)) : 0;

    const Gc = new Float64Array(K);
    const { weights: w, corrections: adjustments } = correctInRandomOrder(
      K,
      (n) => rng.permutation(n),
      (c, i, j) => {
        const nj = norms[j]!;
        if (nj === 0) return false;
        // Gc = G c: (Gc)_k = <g_i', g_k>, and ||g_i'||² = cᵀ G c
        let q = 0;
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let l = 0; l < K; l++) s += G[k * K + l]! * c[l]!;
          Gc[k] = s;
          q += c[k]! * s;
        }
        if (!(q > 0)) return false; // g_i' = 0: no direction to correct
        const ni = Math.sqrt(q);
        const phi = clampCos(Gc[j]! / (ni * nj));
        const T = fixed ?? Math.min(targets[i * K + j]!, MAX_TARGET);
        if (phi >= T) return false;
        const rootT = Math.sqrt(1 - T * T);
        c[j] = c[j]! + (ni * (T * Math.sqrt(1 - phi * phi) - phi * rootT)) / (nj * rootT);
        return true;
      },
    );

    if (fixed === undefined) {
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          const den = norms[i]! * norms[j]!;
          if (i === j || den === 0) continue;
          const e = i * K + j;
          targets[e] = (1 - beta) * targets[e]! + beta * clampCos(G[e]! / den);
        }
      }
      ema = targets;
      tracked = K;
    }
    return { weights: applyReduction(w, reduction), info: { adjustments, meanTarget } };
  };

  return {
    name: 'gradvac',
    weights: (G, K) => solve(G, K).weights,
    solve,
    reset: () => {
      rng = new Rng(seed);
      ema = null;
      tracked = 0;
    },
    targets: () => (ema === null ? null : ema.slice()),
    exportState: () => ({
      K: tracked,
      targets: ema === null ? null : Array.from(ema),
      rng: [...rng.state()] as [number, number, number, number],
    }),
    importState: (state) => {
      const parsed = parseState(state);
      rng = new Rng(parsed.rng);
      ema = parsed.targets;
      tracked = parsed.K;
    },
  };
}

function invalid(field: string, message: string, value: unknown): GramianError {
  return new GramianError(
    'invalid-state',
    `gradVac.importState: ${field} ${message}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

/** Validates an exported state before anything is changed. */
function parseState(state: MethodState): { K: number; targets: Float64Array | null; rng: RngState } {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw invalid('state', 'must be an object { K, targets, rng }', state);
  }
  const { K, targets, rng } = state as Record<string, JsonValue | undefined>;
  if (
    !Array.isArray(rng) ||
    rng.length !== 4 ||
    !rng.every((v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32)
  ) {
    throw invalid('rng', 'must be four uint32 values', rng);
  }
  if (!(typeof K === 'number' && Number.isInteger(K) && K >= 0)) {
    throw invalid('K', 'must be an integer >= 0', K);
  }
  if (targets === null) {
    if (K !== 0) throw invalid('K', 'must be 0 when targets is null', K);
    return { K: 0, targets: null, rng: rng as unknown as RngState };
  }
  if (K === 0) throw invalid('K', 'must be >= 1 when targets are given', K);
  if (!Array.isArray(targets) || targets.length !== K * K) {
    throw invalid('targets', `must be null or ${K * K} numbers (K×K for K = ${K})`, targets);
  }
  const out = new Float64Array(K * K);
  for (let e = 0; e < K * K; e++) {
    const v = targets[e];
    if (!(typeof v === 'number' && v >= -1 && v <= 1)) {
      throw invalid(`targets[${e}]`, 'must be a cosine in [-1, 1]', v);
    }
    out[e] = v;
  }
  return { K, targets: out, rng: rng as unknown as RngState };
}

/** Rounding can push a cosine computed from G slightly outside [-1, 1], where sqrt(1 - φ²) would be NaN. */
function clampCos(x: number): number {
  return Math.max(-1, Math.min(1, x));
}
