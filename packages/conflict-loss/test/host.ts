/**
 * Float64 host reference of the Conflict Descent Loss, written from DESIGN §6 in plain JS (no tfjs), and central
 * finite differences of it. The tests compare the tfjs implementation's values and gradients against these.
 */
import type { Rng } from '@cs-dfd/rng';

export type HostActivation = 'identity' | 'softplus' | 'tanh';
export type HostRho = 'hinge' | 'linear';

/** One problem: features F [N][D], labels, source rows, head W_p [P][D], b_p [P], v [P], b. */
export interface HostProblem {
  F: number[][];
  y: number[];
  sources: number[][];
  Wp: number[][];
  bp: number[];
  v: number[];
  b: number;
  act: HostActivation;
  rho: HostRho;
}

const sigma = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

function phi(act: HostActivation, u: number): number {
  if (act === 'identity') return u;
  if (act === 'tanh') return Math.tanh(u);
  return u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
}

function phiPrime(act: HostActivation, u: number): number {
  if (act === 'identity') return 1;
  if (act === 'tanh') return 1 - Math.tanh(u) ** 2;
  return sigma(u);
}

/** Per-row curvature factors r_n = σ(s_n) - y_n and φ′(u_n) [N][P]. */
export function curvature(p: HostProblem): { r: number[]; dphi: number[][] } {
  const r: number[] = [];
  const dphi: number[][] = [];
  p.F.forEach((f, n) => {
    const u = p.Wp.map((row, i) => row.reduce((a, w, j) => a + w * f[j]!, p.bp[i]!));
    const s = u.reduce((a, ui, i) => a + p.v[i]! * phi(p.act, ui), p.b);
    r.push(sigma(s) - p.y[n]!);
    dphi.push(u.map((ui) => phiPrime(p.act, ui)));
  });
  return { r, dphi };
}

/** h_k = [vec(mean δ fᵀ), mean δ] per source; `frozen` replaces the curvature factors (diagonal mode). */
export function hostHeadGradients(p: HostProblem, frozen?: { r: number[]; dphi: number[][] }): number[][] {
  const { r, dphi } = frozen ?? curvature(p);
  const P = p.Wp.length;
  const D = p.F[0]!.length;
  return p.sources.map((rows) => {
    const h = new Array<number>(P * D + P).fill(0);
    for (const n of rows) {
      for (let i = 0; i < P; i++) {
        const delta = (r[n]! * p.v[i]! * dphi[n]![i]!) / rows.length;
        for (let j = 0; j < D; j++) h[i * D + j]! += delta * p.F[n]![j]!;
        h[P * D + i]! += delta;
      }
    }
    return h;
  });
}

/** Cosine matrix with the package's zero-gradient convention (squared norm <= 1e-30 -> 0). */
export function hostCosines(h: number[][]): number[][] {
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  const sq = h.map((a) => dot(a, a));
  return h.map((a, k) =>
    h.map((b, l) => (sq[k]! > 1e-30 && sq[l]! > 1e-30 ? dot(a, b) / Math.sqrt(sq[k]! * sq[l]!) : 0)),
  );
}

/** L_cd in float64. */
export function hostLcd(p: HostProblem, frozen?: { r: number[]; dphi: number[][] }): number {
  const cos = hostCosines(hostHeadGradients(p, frozen));
  const K = cos.length;
  let sum = 0;
  let pairs = 0;
  for (let k = 0; k < K; k++) {
    for (let l = k + 1; l < K; l++) {
      const c = cos[k]![l]!;
      sum += p.rho === 'hinge' ? Math.max(0, -c) : (1 - c) / 2;
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

/** The problem's differentiable numbers, flattened in the order F, Wp, bp, v, b. */
export function flatten(p: HostProblem): number[] {
  return [...p.F.flat(), ...p.Wp.flat(), ...p.bp, ...p.v, p.b];
}

function withFlat(p: HostProblem, x: number[]): HostProblem {
  const N = p.F.length;
  const D = p.F[0]!.length;
  const P = p.Wp.length;
  let o = 0;
  const take = (n: number) => x.slice(o, (o += n));
  const F = Array.from({ length: N }, () => take(D));
  const Wp = Array.from({ length: P }, () => take(D));
  return { ...p, F, Wp, bp: take(P), v: take(P), b: take(1)[0]! };
}

/** Central differences of `f` (default L_cd) over F, Wp, bp, v, b; step 1e-6 in float64. */
export function finiteDifferences(
  p: HostProblem,
  f: (q: HostProblem) => number = (q) => hostLcd(q),
  eps = 1e-6,
): number[] {
  const x = flatten(p);
  return x.map((_, i) => {
    const hi = [...x];
    const lo = [...x];
    hi[i]! += eps;
    lo[i]! -= eps;
    return (f(withFlat(p, hi)) - f(withFlat(p, lo))) / (2 * eps);
  });
}

/** A random problem: N rows split into K sources of random (unequal) sizes. */
export function randomProblem(
  rng: Rng,
  opts: { K: number; D: number; P: number; act: HostActivation; rho: HostRho; maxRows?: number },
): HostProblem {
  const sizes = Array.from({ length: opts.K }, () => rng.int(1, opts.maxRows ?? 4));
  const N = sizes.reduce((a, b) => a + b, 0);
  const order = rng.shuffle(Array.from({ length: N }, (_, i) => i));
  let o = 0;
  const sources = sizes.map((s) => order.slice(o, (o += s)));
  const mat = (r: number, c: number, sd: number) =>
    Array.from({ length: r }, () => Array.from({ length: c }, () => rng.normal(0, sd)));
  return {
    F: mat(N, opts.D, 1),
    y: Array.from({ length: N }, () => (rng.bernoulli() ? 1 : 0)),
    sources,
    Wp: mat(opts.P, opts.D, 0.8),
    bp: Array.from({ length: opts.P }, () => rng.normal(0, 0.3)),
    v: Array.from({ length: opts.P }, () => rng.normal(0, 1)),
    b: rng.normal(0, 0.3),
    act: opts.act,
    rho: opts.rho,
  };
}
