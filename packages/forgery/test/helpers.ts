// Independent reference implementations for the tests: slow, obvious, and sharing no code with src/.

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
