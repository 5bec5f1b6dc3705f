import { checkOption, GramianError, type Reduction, validateGram } from '@cs-dfd/gramian';

/** Options shared by {@link upgrad} and {@link dualProj}. */
export interface DualConeOptions {
  /**
   * Preference vector u (length K, any finite numbers), used exactly as torchjd's `pref_vector`. Default: the
   * uniform vector picked by `reduction`. Giving both `preference` and `reduction` is an error.
   */
  preference?: readonly number[];
  /** Default preference when none is given: `'mean'` (default, torchjd) u = 1/K, `'sum'` u = 1. */
  reduction?: Reduction;
  /**
   * torchjd's `norm_eps` (default here 0): when trace(G) < normEps, G is treated as zero. torchjd uses 1e-4, an
   * absolute threshold that also zeroes legitimately small gradients (trace < 1e-4), so it is off by default.
   */
  normEps?: number;
  /**
   * torchjd's `reg_eps` (default here 0): solve with G/trace(G) + regEps·I. torchjd needs 1e-4 because its QP
   * solver requires a positive-definite G; the active-set solve here is exact on singular G, and regularising
   * would make <g_i, d> ≥ 0 hold only up to regEps. Set `{ normEps: 1e-4, regEps: 1e-4 }` to reproduce torchjd.
   */
  regEps?: number;
}

/** Validated options with the preference resolved per call. */
export interface ResolvedDualConeOptions {
  preference(K: number): Float64Array;
  /** The Gram matrix the projection is solved on (G itself unless normEps/regEps are set). */
  gram(G: Float64Array, K: number): Float64Array;
}

export function resolveOptions(method: string, options: DualConeOptions): ResolvedDualConeOptions {
  const { preference, reduction, normEps = 0, regEps = 0 } = options;
  if (preference !== undefined && reduction !== undefined) {
    throw new GramianError(
      'invalid-option',
      `${method}: give either preference or reduction, not both (preference is used as given)`,
    );
  }
  if (reduction !== undefined && reduction !== 'mean' && reduction !== 'sum') {
    throw new GramianError(
      'invalid-option',
      `${method}: option reduction must be 'mean' or 'sum', got ${String(reduction)}`,
    );
  }
  if (preference !== undefined) {
    if (!Array.isArray(preference) || preference.length === 0) {
      throw new GramianError(
        'invalid-option',
        `${method}: option preference must be a non-empty array of numbers`,
      );
    }
    preference.forEach((p, i) => {
      if (typeof p !== 'number' || !Number.isFinite(p)) {
        throw new GramianError(
          'invalid-option',
          `${method}: option preference[${i}] must be a finite number, got ${p}`,
          {
            task: i,
          },
        );
      }
    });
  }
  checkOption(method, 'normEps', normEps, 0);
  checkOption(method, 'regEps', regEps, 0);
  if (!Number.isFinite(normEps) || !Number.isFinite(regEps)) {
    throw new GramianError('invalid-option', `${method}: options normEps and regEps must be finite`);
  }
  const fixed = preference === undefined ? undefined : Float64Array.from(preference);
  return {
    preference(K) {
      if (fixed === undefined) return new Float64Array(K).fill(reduction === 'sum' ? 1 : 1 / K);
      if (fixed.length !== K) {
        throw new GramianError('shape', `${method}: preference has ${fixed.length} entries but K = ${K}`);
      }
      return fixed.slice();
    },
    gram(G, K) {
      validateGram(G, K);
      if (normEps === 0 && regEps === 0) return G;
      let trace = 0;
      for (let i = 0; i < K; i++) trace += G[i * K + i]!;
      const out = trace < normEps || trace === 0 ? new Float64Array(K * K) : G.map((v) => v / trace);
      for (let i = 0; i < K; i++) out[i * K + i] = out[i * K + i]! + regEps;
      return out;
    },
  };
}
