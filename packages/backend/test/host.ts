// Float64 host references, written from the definitions and sharing no code with the package.

export type Fn = (x: Float64Array) => number;

/** Central differences of a scalar function: ∂F/∂x_i ≈ (F(x + h e_i) - F(x - h e_i)) / 2h. */
export function gradFD(f: Fn, x: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = Float64Array.from(x);
    const m = Float64Array.from(x);
    p[i]! += h;
    m[i]! -= h;
    g[i] = (f(p) - f(m)) / (2 * h);
  }
  return g;
}

/** Hessian-vector product from values only: (Hv)_i ≈ [F(+e_i+v) - F(+e_i-v) - F(-e_i+v) + F(-e_i-v)] / 4h². */
export function hvpFD(f: Fn, x: Float64Array, v: ArrayLike<number>, h = 1e-4): Float64Array {
  const out = new Float64Array(x.length);
  const at = (si: number, sv: number, i: number) => {
    const y = Float64Array.from(x, (xi, k) => xi + sv * h * v[k]!);
    y[i]! += si * h;
    return f(y);
  };
  for (let i = 0; i < x.length; i++) {
    out[i] = (at(1, 1, i) - at(1, -1, i) - at(-1, 1, i) + at(-1, -1, i)) / (4 * h * h);
  }
  return out;
}

export interface Conv {
  B: number;
  H: number;
  W: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  /** 'valid' padding only (top = left = 0): the reference stays free of tfjs's padding arithmetic. */
}

export function convOut(c: Conv): [number, number] {
  return [Math.floor((c.H - c.k) / c.s) + 1, Math.floor((c.W - c.k) / c.s) + 1];
}

/** y[b,oh,ow,o] = Σ x[b, oh·s + i, ow·s + j, c] w[i,j,c,o]. */
export function conv2d(x: ArrayLike<number>, w: ArrayLike<number>, c: Conv): Float64Array {
  const [OH, OW] = convOut(c);
  const y = new Float64Array(c.B * OH * OW * c.co);
  for (let b = 0; b < c.B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let o = 0; o < c.co; o++) {
          let acc = 0;
          for (let i = 0; i < c.k; i++)
            for (let j = 0; j < c.k; j++)
              for (let ch = 0; ch < c.ci; ch++) {
                acc +=
                  x[((b * c.H + oh * c.s + i) * c.W + ow * c.s + j) * c.ci + ch]! *
                  w[((i * c.k + j) * c.ci + ch) * c.co + o]!;
              }
          y[((b * OH + oh) * OW + ow) * c.co + o] = acc;
        }
  return y;
}

/** ∂/∂w of Σ dy ⊙ conv2d(x, w): Σ_{b,oh,ow} x[patch] dy. */
export function conv2dFilterGrad(x: ArrayLike<number>, dy: ArrayLike<number>, c: Conv): Float64Array {
  const [OH, OW] = convOut(c);
  const g = new Float64Array(c.k * c.k * c.ci * c.co);
  for (let b = 0; b < c.B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let i = 0; i < c.k; i++)
          for (let j = 0; j < c.k; j++)
            for (let ch = 0; ch < c.ci; ch++)
              for (let o = 0; o < c.co; o++) {
                g[((i * c.k + j) * c.ci + ch) * c.co + o]! +=
                  x[((b * c.H + oh * c.s + i) * c.W + ow * c.s + j) * c.ci + ch]! *
                  dy[((b * OH + oh) * OW + ow) * c.co + o]!;
              }
  return g;
}

export interface Pool {
  B: number;
  H: number;
  W: number;
  C: number;
  k: number;
  s: number;
}

export function poolOut(p: Pool): [number, number] {
  return [Math.floor((p.H - p.k) / p.s) + 1, Math.floor((p.W - p.k) / p.s) + 1];
}

/** 'valid' max or average pooling; for max, also the flat index of each window's first maximum. */
export function pool(
  x: ArrayLike<number>,
  p: Pool,
  kind: 'max' | 'avg',
): { y: Float64Array; arg: Int32Array } {
  const [OH, OW] = poolOut(p);
  const y = new Float64Array(p.B * OH * OW * p.C);
  const arg = new Int32Array(y.length);
  for (let b = 0; b < p.B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < p.C; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          let sum = 0;
          for (let i = 0; i < p.k; i++)
            for (let j = 0; j < p.k; j++) {
              const idx = ((b * p.H + oh * p.s + i) * p.W + ow * p.s + j) * p.C + c;
              sum += x[idx]!;
              if (x[idx]! > best) {
                best = x[idx]!;
                at = idx;
              }
            }
          const o = ((b * OH + oh) * OW + ow) * p.C + c;
          y[o] = kind === 'max' ? best : sum / (p.k * p.k);
          arg[o] = at;
        }
  return { y, arg };
}

/** ∂/∂x of Σ dy ⊙ pool(x) for 'valid' pooling. */
export function poolGrad(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  p: Pool,
  kind: 'max' | 'avg',
): Float64Array {
  const [OH, OW] = poolOut(p);
  const { arg } = pool(x, p, 'max');
  const g = new Float64Array(p.B * p.H * p.W * p.C);
  for (let b = 0; b < p.B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < p.C; c++) {
          const o = ((b * OH + oh) * OW + ow) * p.C + c;
          if (kind === 'max') {
            g[arg[o]!]! += dy[o]!;
            continue;
          }
          for (let i = 0; i < p.k; i++)
            for (let j = 0; j < p.k; j++) {
              g[((b * p.H + oh * p.s + i) * p.W + ow * p.s + j) * p.C + c]! += dy[o]! / (p.k * p.k);
            }
        }
  return g;
}

export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
export const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));

/** Row-wise softmax of a [rows, cols] matrix. */
export function softmaxRows(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]!);
    let z = 0;
    for (let c = 0; c < cols; c++) z += Math.exp(x[r * cols + c]! - m);
    for (let c = 0; c < cols; c++) out[r * cols + c] = Math.exp(x[r * cols + c]! - m) / z;
  }
  return out;
}
