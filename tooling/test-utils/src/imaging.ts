/**
 * Slow, obvious reference implementations for the imaging tests (convex hull by brute force, direct 2-D
 * convolution, sampled Gaussian), sharing no code with `@cs-dfd/imaging`. Used by imaging's and forgery's tests.
 */

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

/** Clamped index (edge replicated). */
export function clampTo(i: number, n: number): number {
  return Math.min(n - 1, Math.max(0, i));
}

/**
 * Direct 2-D convolution with the outer product kernel ky ⊗ kx, float64, on `channels` interleaved channels;
 * border reflect-101 (default) or clamped.
 */
export function naiveConv2d(
  src: ArrayLike<number>,
  w: number,
  h: number,
  kx: ArrayLike<number>,
  ky: ArrayLike<number> = kx,
  channels = 1,
  border: 'reflect101' | 'clamp' = 'reflect101',
): Float64Array {
  const at = border === 'clamp' ? clampTo : reflect;
  const rx = (kx.length - 1) / 2;
  const ry = (ky.length - 1) / 2;
  const out = new Float64Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let j = -ry; j <= ry; j++) {
          for (let i = -rx; i <= rx; i++)
            s += ky[j + ry]! * kx[i + rx]! * src[(at(y + j, h) * w + at(x + i, w)) * channels + c]!;
        }
        out[(y * w + x) * channels + c] = s;
      }
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
