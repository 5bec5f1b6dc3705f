/**
 * Simple synthetic faces with exact landmarks, for tests, benchmarks and the preview when no face data is at hand.
 * This is a drawing aid, not a dataset: `@cs-dfd/faceworld` is the project's credible face testbed.
 */

import { convexHull, fillConvex } from '@cs-dfd/imaging';
import { Rng } from '@cs-dfd/rng';
import type { Face, Point } from './types.js';

/** Options of {@link syntheticFace}. */
export interface SyntheticFaceOptions {
  /** Image side in pixels. Default 256. */
  size?: number;
  /** 68 (dlib) or 81 (with 13 forehead points). Default 68. */
  points?: 68 | 81;
  /** Standard deviation of the per-pixel sensor noise in grey levels. Default 4. */
  noise?: number;
}

type Rgb = readonly [number, number, number];

function ellipseArc(
  cx: number,
  cy: number,
  ax: number,
  ay: number,
  from: number,
  to: number,
  n: number,
): Point[] {
  return Array.from({ length: n }, (_, k) => {
    const t = from + ((to - from) * k) / (n - 1);
    return [cx + ax * Math.cos(t), cy + ay * Math.sin(t)] as Point;
  });
}

/** Landmarks of a frontal face in dlib's 68-point order (plus 13 forehead points when asked), before jitter. */
function layout(cx: number, cy: number, ax: number, ay: number, points: 68 | 81): Point[] {
  const p: Point[] = [];
  // Jaw 0–16: from the subject's right temple (image left), under the chin, to the left temple.
  p.push(
    ...ellipseArc(cx, cy, ax, ay, Math.PI + 0.1 * Math.PI, -0.1 * Math.PI, 17).map(
      ([x, y]) => [x, y] as Point,
    ),
  );

  // Brows 17–21 and 22–26, left to right in the image, arched.
  for (const side of [-1, 1]) {
    for (let k = 0; k < 5; k++) {
      const u = side < 0 ? -0.78 + 0.15 * k : 0.18 + 0.15 * k;
      const arch = 1 - ((u - side * 0.48) / 0.3) ** 2;
      p.push([cx + u * ax, cy - 0.5 * ay - 0.06 * ay * arch]);
    }
  }
  // Nose bridge 27–30, lower nose 31–35.
  for (let k = 0; k < 4; k++) p.push([cx, cy - 0.4 * ay + 0.13 * ay * k]);
  for (let k = 0; k < 5; k++) p.push([cx + (k - 2) * 0.09 * ax, cy + 0.05 * ay + (k === 2 ? 0.03 * ay : 0)]);
  // Eyes 36–41 and 42–47: corner, two top points, corner, two bottom points.
  for (const side of [-1, 1]) {
    const ex = cx + side * 0.42 * ax;
    const ey = cy - 0.3 * ay;
    const w = 0.2 * ax;
    const h = 0.08 * ay;
    p.push(
      [ex - w, ey],
      [ex - w / 3, ey - h],
      [ex + w / 3, ey - h],
      [ex + w, ey],
      [ex + w / 3, ey + h],
      [ex - w / 3, ey + h],
    );
  }
  // Mouth 48–59 (outer, clockwise from the left corner) and 60–67 (inner).
  const mx = cx;
  const my = cy + 0.45 * ay;
  for (let k = 0; k < 12; k++) {
    const t = Math.PI - (k * Math.PI) / 6;
    p.push([mx + 0.38 * ax * Math.cos(t), my - 0.13 * ay * Math.sin(t)]);
  }
  for (let k = 0; k < 8; k++) {
    const t = Math.PI - (k * Math.PI) / 4;
    p.push([mx + 0.27 * ax * Math.cos(t), my - 0.035 * ay * Math.sin(t)]);
  }
  if (points === 81)
    p.push(...ellipseArc(cx, cy - 0.25 * ay, 0.95 * ax, 1.0 * ay, Math.PI * 1.1, Math.PI * 1.9, 13));
  return p;
}

function paint(
  data: Uint8Array,
  w: number,
  h: number,
  poly: readonly Point[],
  colour: Rgb,
  scratch: Uint8Array,
): void {
  scratch.fill(0);
  fillConvex(convexHull(poly), scratch, w, h, 1);
  for (let i = 0; i < w * h; i++) {
    if (scratch[i]) {
      data[i * 3] = colour[0];
      data[i * 3 + 1] = colour[1];
      data[i * 3 + 2] = colour[2];
    }
  }
}

/**
 * Draws a frontal face (skin ellipse with shading, hair, brows, eyes with irises, nose, lips) on a gradient
 * background, with per-face random shape, colours and pose offset, and returns it with its landmarks. All
 * landmarks lie inside the image. Deterministic in `seed`.
 */
export function syntheticFace(seed: number, options: SyntheticFaceOptions = {}): Face {
  const { size = 256, points = 68, noise = 4 } = options;
  const rng = new Rng(seed);
  const w = size;
  const h = size;
  const cx = w * rng.uniform(0.45, 0.55);
  const cy = h * rng.uniform(0.5, 0.56);
  const ax = w * rng.uniform(0.26, 0.32);
  const ay = h * rng.uniform(0.32, 0.37);
  const landmarks = layout(cx, cy, ax, ay, points).map(
    ([x, y]) =>
      [
        Math.min(w, Math.max(0, x + rng.normal(0, 0.004 * w))),
        Math.min(h, Math.max(0, y + rng.normal(0, 0.004 * h))),
      ] as Point,
  );
  const skin: Rgb = [rng.uniform(150, 235), rng.uniform(105, 180), rng.uniform(80, 150)].map(
    Math.round,
  ) as never;
  const bgA: Rgb = [rng.int(20, 200), rng.int(20, 200), rng.int(20, 200)];
  const bgB: Rgb = [rng.int(20, 200), rng.int(20, 200), rng.int(20, 200)];
  const hair: Rgb = [rng.int(10, 90), rng.int(5, 60), rng.int(0, 40)];
  const iris: Rgb = [rng.int(20, 110), rng.int(30, 120), rng.int(20, 100)];
  const lips: Rgb = [rng.int(150, 210), rng.int(50, 100), rng.int(60, 110)];
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const t = y / (h - 1);
    for (let x = 0; x < w; x++) {
      const k = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) data[k + c] = Math.round(bgA[c]! * (1 - t) + bgB[c]! * t);
    }
  }
  const scratch = new Uint8Array(w * h);
  // Hair behind the head, then the shaded skin ellipse (a little taller than the jaw ellipse: forehead).
  paint(data, w, h, ellipseArc(cx, cy - 0.3 * ay, 1.12 * ax, 1.05 * ay, 0, 2 * Math.PI, 48), hair, scratch);
  const fy = cy - 0.12 * ay;
  const fay = 1.12 * ay;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = (x + 0.5 - cx) / ax;
      const v = (y + 0.5 - (y + 0.5 < cy ? fy : cy)) / (y + 0.5 < cy ? fay - 0.12 * ay : ay);
      const r2 = u * u + v * v;
      if (r2 > 1 || (y + 0.5 < cy - 0.75 * ay && r2 > 0.55)) continue;
      const shade = 1.05 - 0.3 * r2 - 0.08 * u;
      const k = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) data[k + c] = Math.max(0, Math.min(255, Math.round(skin[c]! * shade)));
    }
  }
  const P = (i: number) => landmarks[i]!;
  const offset = (pts: Point[], dy: number) => pts.map(([x, y]) => [x, y + dy] as Point);
  // Brows: a thick band per pair of consecutive points.
  for (const start of [17, 22]) {
    for (let k = start; k < start + 4; k++) {
      const seg = [P(k), P(k + 1)];
      paint(data, w, h, [...offset(seg, -0.018 * h), ...offset(seg, 0.012 * h)], hair, scratch);
    }
  }
  for (const start of [36, 42]) {
    const eye = Array.from({ length: 6 }, (_, k) => P(start + k));
    paint(data, w, h, eye, [238, 236, 230], scratch);
    const ex = (P(start)[0] + P(start + 3)[0]) / 2;
    const ey = (P(start)[1] + P(start + 3)[1]) / 2;
    const r = 0.055 * ax;
    const disk = ellipseArc(ex, ey, r, r, 0, 2 * Math.PI, 16).filter(
      ([, y]) => y >= P(start + 1)[1] - 1 && y <= P(start + 5)[1] + 1,
    );
    paint(data, w, h, disk, iris, scratch);
  }
  const noseShade: Rgb = skin.map((c) => Math.round(c * 0.72)) as never;
  paint(
    data,
    w,
    h,
    [P(27), P(31), P(33), P(35)].map(([x, y]) => [x, y] as Point),
    skin.map((c) => Math.round(c * 0.92)) as never,
    scratch,
  );
  paint(data, w, h, [P(31), P(32), P(33), P(34), P(35), [P(33)[0], P(33)[1] - 0.03 * h]], noseShade, scratch);
  paint(
    data,
    w,
    h,
    Array.from({ length: 12 }, (_, k) => P(48 + k)),
    lips,
    scratch,
  );
  paint(
    data,
    w,
    h,
    Array.from({ length: 8 }, (_, k) => P(60 + k)),
    [60, 20, 25],
    scratch,
  );
  if (noise > 0) {
    for (let i = 0; i < data.length; i++)
      data[i] = Math.max(0, Math.min(255, Math.round(data[i]! + rng.normal(0, noise))));
  }
  return { image: { width: w, height: h, data }, landmarks };
}
