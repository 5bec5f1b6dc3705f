/**
 * Running minimum / maximum over a window of `2r + 1` samples, van Herk / Gil–Werman: per block of `k` samples a
 * forward and a backward running extreme, so each output costs three comparisons whatever the window. Samples
 * outside the line are ignored (the window is clipped), which is what a blur-then-threshold with a reflected
 * border gives and what OpenCV's `erode` does by default.
 */
function extremeLine(
  line: Float32Array,
  n: number,
  r: number,
  isMax: boolean,
  fwd: Float32Array,
  bwd: Float32Array,
  out: Float32Array,
): void {
  const k = 2 * r + 1;
  const neutral = isMax ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const m = n + 2 * r;
  // Padded coordinates: padded[i] = line[i - r], neutral outside.
  for (let i = 0; i < m; i++) {
    const v = i >= r && i < n + r ? line[i - r]! : neutral;
    if (i % k === 0) fwd[i] = v;
    else {
      const p = fwd[i - 1]!;
      fwd[i] = isMax ? Math.max(v, p) : Math.min(v, p);
    }
  }
  for (let i = m - 1; i >= 0; i--) {
    const v = i >= r && i < n + r ? line[i - r]! : neutral;
    if (i === m - 1 || (i + 1) % k === 0) bwd[i] = v;
    else {
      const p = bwd[i + 1]!;
      bwd[i] = isMax ? Math.max(v, p) : Math.min(v, p);
    }
  }
  // Window [x, x + 2r] in padded coordinates spans at most two blocks: backward extreme of its start, forward of its end.
  for (let x = 0; x < n; x++) {
    const a = bwd[x]!;
    const b = fwd[x + 2 * r]!;
    out[x] = isMax ? Math.max(a, b) : Math.min(a, b);
  }
}

function rectFilter(
  src: Float32Array,
  width: number,
  height: number,
  kx: number,
  ky: number,
  isMax: boolean,
): Float32Array {
  if (!Number.isInteger(kx) || !Number.isInteger(ky) || kx < 1 || ky < 1 || kx % 2 === 0 || ky % 2 === 0) {
    throw new RangeError(`morphology: kernel sides must be odd positive integers, got ${kx}x${ky}`);
  }
  const rx = (kx - 1) / 2;
  const ry = (ky - 1) / 2;
  const maxLen = Math.max(width + 2 * rx, height + 2 * ry);
  const fwd = new Float32Array(maxLen);
  const bwd = new Float32Array(maxLen);
  const line = new Float32Array(Math.max(width, height));
  const res = new Float32Array(Math.max(width, height));
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  if (rx === 0) tmp.set(src);
  else {
    for (let y = 0; y < height; y++) {
      const row = src.subarray(y * width, (y + 1) * width);
      extremeLine(row, width, rx, isMax, fwd, bwd, res);
      tmp.set(res.subarray(0, width), y * width);
    }
  }
  if (ry === 0) return tmp;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) line[y] = tmp[y * width + x]!;
    extremeLine(line, height, ry, isMax, fwd, bwd, res);
    for (let y = 0; y < height; y++) out[y * width + x] = res[y]!;
  }
  return out;
}

/** Grey-level erosion (minimum) over a `kx × ky` rectangle centred on each pixel, window clipped at the border. */
export function erode(src: Float32Array, width: number, height: number, kx: number, ky = kx): Float32Array {
  return rectFilter(src, width, height, kx, ky, false);
}

/** Grey-level dilation (maximum) over a `kx × ky` rectangle centred on each pixel, window clipped at the border. */
export function dilate(src: Float32Array, width: number, height: number, kx: number, ky = kx): Float32Array {
  return rectFilter(src, width, height, kx, ky, true);
}
