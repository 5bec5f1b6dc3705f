/**
 * Face geometry in dlib's 68-point order (iBUG 300-W markup): 0-16 jaw, 17-21 and 22-26 brows, 27-30 nose
 * bridge, 31-35 nose base, 36-41 and 42-47 eyes, 48-59 outer lip, 60-67 inner lip. "Right"/"left" are the
 * subject's: points 36-41 are the eye on the image's left.
 *
 * Canonical face frame: x to the image right, y down, the jaw corners (points 0 and 16) at x = ±1, the chin near
 * y = 1; z toward the camera. Every point carries a depth so that yaw and pitch move the features the way a
 * rounded head does.
 */

/** Number of landmarks. */
export const N_LANDMARKS = 68;

/** Index ranges of dlib's landmark groups (inclusive start, exclusive end). */
export const LANDMARK_GROUPS = {
  jaw: [0, 17],
  rightBrow: [17, 22],
  leftBrow: [22, 27],
  noseBridge: [27, 31],
  noseBase: [31, 36],
  rightEye: [36, 42],
  leftEye: [42, 48],
  outerLip: [48, 60],
  innerLip: [60, 68],
} as const satisfies Record<string, readonly [number, number]>;

/** 68 points, each (x, y, z), flattened. */
export type Shape3 = Float64Array;

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/** Depth of the canonical head surface (a flattened ellipsoid) at (x, y). */
export function headDepth(x: number, y: number): number {
  const r = 1 - 0.92 * x * x - 0.35 * (y - 0.15) * (y - 0.15);
  return 0.75 * Math.sqrt(Math.max(0.02, r));
}

/** The mean 68-point layout, built from anthropometric proportions (our own construction, not copied data). */
export function meanShape(): Shape3 {
  const p = new Float64Array(N_LANDMARKS * 3);
  const set = (i: number, x: number, y: number, dz = 0): void => {
    p[3 * i] = x;
    p[3 * i + 1] = y;
    p[3 * i + 2] = headDepth(x, y) + dz;
  };
  // Jaw: a superellipse from ear level (y = -0.3) round the chin; squarer than an ellipse like a real mandible.
  for (let k = 0; k <= 16; k++) {
    const phi = (Math.PI * k) / 16;
    const c = Math.cos(phi);
    const s = Math.sin(phi);
    set(k, -Math.sign(c) * Math.abs(c) ** 0.75, -0.3 + 1.32 * s ** 1.25, -0.05);
  }
  // Brows: outer to inner on the image-left brow, inner to outer on the image-right one (dlib order).
  for (let k = 0; k < 5; k++) {
    const t = k / 4;
    const x = lerp(-0.82, -0.2, t);
    const y = -0.5 - 0.09 * Math.sin(Math.PI * (0.15 + 0.8 * t));
    set(17 + k, x, y, 0.04);
    set(26 - k, -x, y, 0.04);
  }
  // Nose bridge down to the tip, which stands out of the surface.
  const bridge = [-0.3, -0.12, 0.06, 0.22];
  bridge.forEach((y, k) => set(27 + k, 0, y, 0.06 + 0.1 * k));
  // Nose base from the image-left alar to the image-right one.
  const base: readonly (readonly [number, number, number])[] = [
    [-0.19, 0.3, 0.08],
    [-0.1, 0.33, 0.16],
    [0, 0.35, 0.22],
    [0.1, 0.33, 0.16],
    [0.19, 0.3, 0.08],
  ];
  base.forEach(([x, y, dz], k) => set(31 + k, x, y, dz));
  // Eyes: outer corner, two upper-lid points, inner corner, two lower-lid points (clockwise on screen).
  const eye = (first: number, cx: number, mirror: number): void => {
    const pts: readonly (readonly [number, number])[] = [
      [-0.2, 0],
      [-0.08, -0.085],
      [0.07, -0.085],
      [0.19, 0.005],
      [0.07, 0.06],
      [-0.08, 0.06],
    ];
    pts.forEach(([dx, dy], k) => set(first + k, cx + mirror * dx, -0.25 + dy, -0.06));
  };
  eye(36, -0.42, 1);
  // The image-right eye starts at its inner corner: mirror the offsets and reverse the lid order.
  const left: readonly (readonly [number, number])[] = [
    [0.23, 0.005],
    [0.35, -0.085],
    [0.5, -0.085],
    [0.62, 0],
    [0.5, 0.06],
    [0.35, 0.06],
  ];
  left.forEach(([x, y], k) => set(42 + k, x, -0.25 + y, -0.06));
  // Outer lip: left corner, upper lip to the right corner, lower lip back.
  const outer: readonly (readonly [number, number])[] = [
    [-0.34, 0.6],
    [-0.21, 0.535],
    [-0.08, 0.505],
    [0, 0.52],
    [0.08, 0.505],
    [0.21, 0.535],
    [0.34, 0.6],
    [0.21, 0.68],
    [0.1, 0.715],
    [0, 0.72],
    [-0.1, 0.715],
    [-0.21, 0.68],
  ];
  outer.forEach(([x, y], k) => set(48 + k, x, y, 0.05));
  const inner: readonly (readonly [number, number])[] = [
    [-0.27, 0.6],
    [-0.1, 0.585],
    [0, 0.59],
    [0.1, 0.585],
    [0.27, 0.6],
    [0.1, 0.615],
    [0, 0.62],
    [-0.1, 0.615],
  ];
  inner.forEach(([x, y], k) => set(60 + k, x, y, 0.04));
  return p;
}

/** Per-identity proportions (all multiplicative or additive around the mean). */
export interface ShapeParams {
  /** Face width scale. */
  readonly width: number;
  /** Jaw length scale (chin height). */
  readonly jawLength: number;
  /** Jaw squareness: 0 round, 1 square. */
  readonly jawSquare: number;
  /** Eye size scale. */
  readonly eyeSize: number;
  /** Eye spacing scale. */
  readonly eyeSpacing: number;
  /** Vertical eye offset. */
  readonly eyeHeight: number;
  /** Eye tilt (outer corner up when positive). */
  readonly eyeTilt: number;
  /** Nose length scale. */
  readonly noseLength: number;
  /** Nose width scale. */
  readonly noseWidth: number;
  /** Mouth width scale. */
  readonly mouthWidth: number;
  /** Lip thickness scale. */
  readonly lipThickness: number;
  /** Vertical mouth offset. */
  readonly mouthHeight: number;
  /** Brow height offset. */
  readonly browHeight: number;
  /** Brow arch scale. */
  readonly browArch: number;
  /** Small per-point jitter (x, y) so no two faces share exact proportions: 68 × 2 values. */
  readonly jitter: Float64Array;
}

/** Facial expression at one instant. */
export interface Expression {
  /** Lips apart, 0..1. */
  readonly mouthOpen: number;
  /** Jaw drop, 0..1 (equal to mouthOpen except in re-enactment, which moves the lips and not the jaw). */
  readonly jawOpen: number;
  /** Smile, -0.5..1 (negative: corners down). */
  readonly smile: number;
  /** Eye closure, 0 open .. 1 closed. */
  readonly blink: number;
  /** Brow raise, -1..1. */
  readonly browRaise: number;
}

/** A neutral expression. */
export const NEUTRAL: Expression = { mouthOpen: 0, jawOpen: 0, smile: 0, blink: 0, browRaise: 0 };

function inRange(i: number, [a, b]: readonly [number, number]): boolean {
  return i >= a && i < b;
}

/** The identity's neutral 3-D shape: the mean layout deformed by {@link ShapeParams}. */
export function identityShape(params: ShapeParams, mean: Shape3 = meanShape()): Shape3 {
  const p = new Float64Array(mean);
  const g = LANDMARK_GROUPS;
  for (let i = 0; i < N_LANDMARKS; i++) {
    let x = p[3 * i]!;
    let y = p[3 * i + 1]!;
    if (inRange(i, g.jaw)) {
      // Squareness pulls the lower jaw outward toward its bounding box; length stretches below ear level.
      const s = Math.max(0, y + 0.3) / 1.32;
      x *= 1 + params.jawSquare * 0.18 * Math.sin(Math.PI * s) * (1 - s * 0.4);
      y = -0.3 + (y + 0.3) * params.jawLength;
    } else if (inRange(i, g.rightEye) || inRange(i, g.leftEye)) {
      const cx = inRange(i, g.rightEye) ? -0.42 : 0.42;
      const side = Math.sign(cx);
      const dx = x - cx;
      const dy = y + 0.25;
      x = cx * params.eyeSpacing + dx * params.eyeSize;
      y = -0.25 + params.eyeHeight + dy * params.eyeSize - side * params.eyeTilt * dx;
    } else if (inRange(i, g.rightBrow) || inRange(i, g.leftBrow)) {
      const arch = y + 0.5;
      x *= 0.5 + 0.5 * params.eyeSpacing;
      y = -0.5 + params.browHeight + params.eyeHeight + arch * params.browArch;
    } else if (inRange(i, g.noseBridge) || inRange(i, g.noseBase)) {
      x *= params.noseWidth;
      y = -0.3 + (y + 0.3) * params.noseLength;
    } else {
      const dy = y - 0.6;
      x *= params.mouthWidth;
      y = 0.6 + params.mouthHeight + dy * params.lipThickness;
    }
    x = x * params.width + params.jitter[2 * i]!;
    y += params.jitter[2 * i + 1]!;
    p[3 * i] = x;
    p[3 * i + 1] = y;
  }
  return p;
}

/**
 * Applies an expression to a neutral shape (returns a new shape). The lips keep their thickness when they part;
 * the jaw below the mouth follows `jawOpen`.
 */
export function expressShape(neutral: Shape3, e: Expression): Shape3 {
  const p = new Float64Array(neutral);
  const g = LANDMARK_GROUPS;
  const mouthCx = (neutral[3 * 48]! + neutral[3 * 54]!) / 2;
  const mouthCy = (neutral[3 * 51 + 1]! + neutral[3 * 57 + 1]!) / 2;
  const halfWidth = Math.max(1e-3, (neutral[3 * 54]! - neutral[3 * 48]!) / 2);
  const lipGap = 0.2 * e.mouthOpen;
  const jawDrop = 0.16 * e.jawOpen;
  for (let i = 0; i < N_LANDMARKS; i++) {
    const x = neutral[3 * i]!;
    const y = neutral[3 * i + 1]!;
    let nx = x;
    let ny = y;
    if (inRange(i, g.jaw) && y > 0.1) {
      ny += jawDrop * Math.min(1, (y - 0.1) / 0.8);
    } else if (inRange(i, g.outerLip) || inRange(i, g.innerLip)) {
      const u = (x - mouthCx) / halfWidth; // -1 .. 1 across the mouth
      const corner = u * u;
      // Lower lip (outer 55-59, inner 65-67) and corners move with the opening; the upper lip barely.
      const lower = (i >= 55 && i <= 59) || (i >= 65 && i <= 67);
      const isCorner = i === 48 || i === 54 || i === 60 || i === 64;
      if (lower) ny += lipGap * (1 - 0.7 * corner);
      else if (isCorner) ny += lipGap * 0.35;
      else ny -= lipGap * 0.12 * (1 - corner);
      // Smile widens the mouth and lifts the corners.
      nx += e.smile * 0.06 * u;
      ny -= e.smile * 0.07 * corner;
      if (y > mouthCy) ny += jawDrop * 0.6;
    } else if (inRange(i, g.rightEye) || inRange(i, g.leftEye)) {
      const first = inRange(i, g.rightEye) ? 36 : 42;
      const k = i - first;
      // Lids close toward the line joining the corners; the upper lid travels most of the way.
      const corner0 = first === 36 ? 36 : 42;
      const corner1 = first === 36 ? 39 : 45;
      const midY = (neutral[3 * corner0 + 1]! + neutral[3 * corner1 + 1]!) / 2 + 0.02;
      const upper = k === 1 || k === 2;
      const lower = k === 4 || k === 5;
      const squint = 0.25 * Math.max(0, e.smile);
      if (upper) ny = lerp(y, midY, Math.min(1, e.blink * 0.9 + squint * 0.5));
      if (lower) ny = lerp(y, midY, Math.min(1, e.blink * 0.4 + squint));
    } else if (inRange(i, g.rightBrow) || inRange(i, g.leftBrow)) {
      ny -= 0.07 * e.browRaise;
    }
    p[3 * i] = nx;
    p[3 * i + 1] = ny;
  }
  return p;
}

/** Head pose and placement in the image. */
export interface Pose {
  /** Rotation about the vertical axis, radians (positive turns the face to the image right). */
  readonly yaw: number;
  /** Rotation about the horizontal axis, radians (positive tilts the chin down). */
  readonly pitch: number;
  /** In-plane rotation, radians. */
  readonly roll: number;
  /** Pixels per canonical unit. */
  readonly scale: number;
  /** Image position of the canonical origin (pixel-corner coordinates). */
  readonly cx: number;
  readonly cy: number;
}

/** Rotation matrix R = Rz(roll) · Rx(pitch) · Ry(yaw), row-major 3×3. */
export function rotation(pose: Pose): Float64Array {
  const cy = Math.cos(pose.yaw);
  const sy = Math.sin(pose.yaw);
  const cp = Math.cos(pose.pitch);
  const sp = Math.sin(pose.pitch);
  const cr = Math.cos(pose.roll);
  const sr = Math.sin(pose.roll);
  // Ry
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  // Rx (y down, so positive pitch brings the chin toward the camera... and down on screen)
  const rx = [1, 0, 0, 0, cp, -sp, 0, sp, cp];
  const rz = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  const mul = (a: readonly number[], b: readonly number[]): number[] => {
    const out = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 3; k++) out[3 * i + j]! += a[3 * i + k]! * b[3 * k + j]!;
    return out;
  };
  return Float64Array.from(mul(rz, mul(rx, ry)));
}

/** Projects 3-D canonical points to the image (weak perspective). Returns x,y pairs and the rotated depths. */
export function project(points: Float64Array, pose: Pose): { xy: Float64Array; depth: Float64Array } {
  const n = points.length / 3;
  const r = rotation(pose);
  const xy = new Float64Array(2 * n);
  const depth = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = points[3 * i]!;
    const y = points[3 * i + 1]!;
    // The head rotates about a pivot behind the face (the neck), not about the nose.
    const z = points[3 * i + 2]! - 0.55;
    const X = r[0]! * x + r[1]! * y + r[2]! * z;
    const Y = r[3]! * x + r[4]! * y + r[5]! * z;
    const Z = r[6]! * x + r[7]! * y + r[8]! * z;
    xy[2 * i] = pose.cx + pose.scale * X;
    xy[2 * i + 1] = pose.cy + pose.scale * Y;
    depth[i] = Z;
  }
  return { xy, depth };
}
