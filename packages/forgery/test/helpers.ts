// Independent reference implementations for the tests: slow, obvious, and sharing no code with src/.

export type Pt = readonly [number, number];

/** Hull edges by brute force: a directed pair (a, b) is an edge when every point is on its left or on the line. */
export function bruteHullEdges(points: readonly Pt[]): [Pt, Pt][] {
  const edges: [Pt, Pt][] = [];
  const uniq = points.filter((p, i) => points.findIndex((q) => q[0] === p[0] && q[1] === p[1]) === i);
  for (const a of uniq) {
    for (const b of uniq) {
      if (a === b) continue;
      let ok = true;
      for (const p of uniq) {
        const c = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
        if (c < 0) {
          ok = false;
          break;
        }
      }
      if (ok) edges.push([a, b]);
    }
  }
  return edges;
}

/** Inside-or-on the convex hull described by its edges (every edge keeps the point on its left). */
export function insideEdges(edges: readonly [Pt, Pt][], p: Pt): boolean {
  if (edges.length < 3) return false;
  return edges.every(([a, b]) => (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0);
}

export function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

/** Direct 2-D convolution with the outer product kernel ky ⊗ kx, reflect-101 border, float64. */
export function naiveConv2d(
  src: ArrayLike<number>,
  w: number,
  h: number,
  kx: ArrayLike<number>,
  ky = kx,
): Float64Array {
  const rx = (kx.length - 1) / 2;
  const ry = (ky.length - 1) / 2;
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -ry; j <= ry; j++) {
        for (let i = -rx; i <= rx; i++)
          s += ky[j + ry]! * kx[i + rx]! * src[reflect(y + j, h) * w + reflect(x + i, w)]!;
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Minimum over the clipped k×k window. */
export function naiveErode(src: ArrayLike<number>, w: number, h: number, k: number): Float64Array {
  const r = (k - 1) / 2;
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = Number.POSITIVE_INFINITY;
      for (let j = Math.max(0, y - r); j <= Math.min(h - 1, y + r); j++) {
        for (let i = Math.max(0, x - r); i <= Math.min(w - 1, x + r); i++) m = Math.min(m, src[j * w + i]!);
      }
      out[y * w + x] = m;
    }
  }
  return out;
}

/** Sampled, normalised Gaussian of `size` taps (float64). */
export function gauss(size: number, sigma: number): number[] {
  const r = (size - 1) / 2;
  const k = Array.from({ length: size }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / s);
}

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
export function chiSquare(observed: readonly number[], probs: readonly number[]): number {
  const n = observed.reduce((a, b) => a + b, 0);
  return observed.reduce((s, o, i) => s + (o - n * probs[i]!) ** 2 / (n * probs[i]!), 0);
}

/** Magnitude of the 2-D DFT coefficient (u, v) of a real w×h signal. */
export function dftMagnitude(x: ArrayLike<number>, w: number, h: number, u: number, v: number): number {
  let re = 0;
  let im = 0;
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w; i++) {
      const t = -2 * Math.PI * ((u * i) / w + (v * y) / h);
      re += x[y * w + i]! * Math.cos(t);
      im += x[y * w + i]! * Math.sin(t);
    }
  }
  return Math.hypot(re, im);
}
