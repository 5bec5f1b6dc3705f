import { createCoverage, ellipsePolygon, fillPolygon, strokePolygon } from '@cs-dfd/imaging';
import type { Identity, Rgb } from './identity.js';
import { accumulateMask, type Canvas, composite, createCanvas, type Shader, valueNoise } from './raster.js';
import { expressShape, headDepth, N_LANDMARKS, project, rotation } from './shape.js';
import type { FrameState, VideoParams } from './video.js';

/** Region ids of the label map returned with every frame. */
export const Region = {
  background: 0,
  hair: 1,
  body: 2,
  skin: 3,
  brow: 4,
  eye: 5,
  lips: 6,
  mouth: 7,
  ear: 8,
} as const;

/** A drawn scene before any camera or forgery processing. */
export interface Scene {
  readonly canvas: Canvas;
  /** 68 landmarks as x,y pairs in pixel-corner coordinates (pixel (i, j) spans [i, i+1]). */
  readonly landmarks: Float64Array;
  /** Per-pixel {@link Region} of the topmost layer covering at least half the pixel. */
  readonly labels: Uint8Array;
  /** Coverage (0..1) of the face skin polygon (jaw + forehead), including the features drawn on it. */
  readonly faceMask: Float32Array;
}

const backgrounds = new WeakMap<VideoParams, Map<number, Float32Array>>();

/** The clip's static background (vertical gradient plus soft blobs: an out-of-focus room), cached per clip. */
function background(video: VideoParams, size: number): Float32Array {
  let bySize = backgrounds.get(video);
  if (!bySize) backgrounds.set(video, (bySize = new Map()));
  const hit = bySize.get(size);
  if (hit) return hit;
  const bg = video.background;
  const d = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const t = y / (size - 1);
    for (let x = 0; x < size; x++) {
      const n = valueNoise(bg.table, (x / size) * bg.blobScale, (y / size) * bg.blobScale) * bg.blob;
      const o = 3 * (y * size + x);
      d[o] = bg.top[0] + (bg.bottom[0] - bg.top[0]) * t + n;
      d[o + 1] = bg.top[1] + (bg.bottom[1] - bg.top[1]) * t + n;
      d[o + 2] = bg.top[2] + (bg.bottom[2] - bg.top[2]) * t + n;
    }
  }
  bySize.set(size, d);
  return d;
}

/** Side of the per-identity texture maps, covering face coordinates [-TEX_EXTENT, TEX_EXTENT]². */
const TEX_SIZE = 160;
const TEX_EXTENT = 1.6;

interface Textures {
  /** Skin albedo multiplier (blotches, pores, freckles, cheek flush folded in as RGB). */
  readonly skin: Float32Array;
  /** Hair strand multiplier. */
  readonly hair: Float32Array;
}

// Keyed by the texture table, which a hybrid (face-swapped) person shares with its donor.
const textures = new WeakMap<Float32Array, Textures>();

/**
 * Texture maps in face coordinates, computed once per identity: value noise is the costliest part of shading, and
 * sampling a precomputed map keeps the texture glued to the face as it moves.
 */
function identityTextures(identity: Identity): Textures {
  const hit = textures.get(identity.textureTable);
  if (hit) return hit;
  const skin = new Float32Array(TEX_SIZE * TEX_SIZE * 3);
  const hair = new Float32Array(TEX_SIZE * TEX_SIZE);
  const table = identity.textureTable;
  const amp = identity.skinTexture;
  for (let j = 0; j < TEX_SIZE; j++) {
    const v = ((j + 0.5) / TEX_SIZE) * 2 * TEX_EXTENT - TEX_EXTENT;
    for (let i = 0; i < TEX_SIZE; i++) {
      const u = ((i + 0.5) / TEX_SIZE) * 2 * TEX_EXTENT - TEX_EXTENT;
      let m =
        1 + amp * (0.65 * valueNoise(table, u * 9, v * 9) + 0.35 * valueNoise(table, u * 24 + 50, v * 24));
      const freckle = valueNoise(table, u * 40 + 100, v * 40);
      if (freckle > 0.8) m *= 1 - (freckle - 0.8) * amp * 4;
      // Cheeks flush: redder, less green and blue.
      const du = Math.abs(u) - 0.5;
      const dv = v - 0.3;
      const cheek = identity.blush * 0.1 * Math.exp(-(du * du + dv * dv) / 0.03);
      const o = 3 * (j * TEX_SIZE + i);
      skin[o] = m * (1 + cheek * 0.4);
      skin[o + 1] = m * (1 - cheek);
      skin[o + 2] = m * (1 - cheek * 0.8);
      hair[j * TEX_SIZE + i] = 1 + 0.18 * valueNoise(table, u * 26 + 7, v * 3);
    }
  }
  const t = { skin, hair };
  textures.set(identity.textureTable, t);
  return t;
}

/** Nearest texel index of face coordinates (u, v), clamped to the map. */
function texel(u: number, v: number): number {
  const k = TEX_SIZE / (2 * TEX_EXTENT);
  let i = Math.floor((u + TEX_EXTENT) * k);
  let j = Math.floor((v + TEX_EXTENT) * k);
  i = i < 0 ? 0 : i >= TEX_SIZE ? TEX_SIZE - 1 : i;
  j = j < 0 ? 0 : j >= TEX_SIZE ? TEX_SIZE - 1 : j;
  return j * TEX_SIZE + i;
}

function lighting(state: FrameState) {
  const r = rotation(state.pose);
  const { dir, ambient, diffuse } = state.light;
  // Inverse of the 2-D part of the projection (x,y plane of the face), for mapping pixels to face coordinates.
  const a = r[0]! * state.pose.scale;
  const b = r[1]! * state.pose.scale;
  const c = r[3]! * state.pose.scale;
  const d = r[4]! * state.pose.scale;
  const det = a * d - b * c || 1e-9;
  // The face surface sits ~0.15 in front of the rotation pivot.
  const ox = state.pose.cx + state.pose.scale * r[2]! * 0.15;
  const oy = state.pose.cy + state.pose.scale * r[5]! * 0.15;
  const toFace = (x: number, y: number, out: Float64Array): void => {
    const px = x - ox;
    const py = y - oy;
    out[0] = (d * px - b * py) / det;
    out[1] = (-c * px + a * py) / det;
  };
  const shade = (u: number, v: number): number => {
    const nx0 = 0.9 * u;
    const ny0 = 0.45 * (v - 0.1);
    const nz0 = Math.sqrt(Math.max(0.06, 1 - nx0 * nx0 - ny0 * ny0));
    const nx = r[0]! * nx0 + r[1]! * ny0 + r[2]! * nz0;
    const ny = r[3]! * nx0 + r[4]! * ny0 + r[5]! * nz0;
    const nz = r[6]! * nx0 + r[7]! * ny0 + r[8]! * nz0;
    const len = Math.hypot(nx, ny, nz);
    const lam = (nx * dir[0] + ny * dir[1] + nz * dir[2]) / len;
    return ambient + diffuse * Math.max(0, lam);
  };
  return { toFace, shade };
}

/** Projects canonical 2-D outline points (depth from the head surface plus `dz`) to pixels. */
function projectOutline(
  points: readonly (readonly [number, number])[],
  state: FrameState,
  dz = 0,
): Float64Array {
  const p3 = new Float64Array(points.length * 3);
  points.forEach(([x, y], i) => {
    p3[3 * i] = x;
    p3[3 * i + 1] = y;
    p3[3 * i + 2] = headDepth(x, y) + dz;
  });
  return project(p3, state.pose).xy;
}

function arc(
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  a0: number,
  a1: number,
  n: number,
): [number, number][] {
  return Array.from({ length: n }, (_, k) => {
    const t = a0 + ((a1 - a0) * k) / (n - 1);
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)] as [number, number];
  });
}

function subset(xy: Float64Array, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length * 2);
  idx.forEach((i, k) => {
    out[2 * k] = xy[2 * i]!;
    out[2 * k + 1] = xy[2 * i + 1]!;
  });
  return out;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, k) => a + k);
}

function mean(xy: Float64Array, idx: readonly number[]): [number, number] {
  let x = 0;
  let y = 0;
  for (const i of idx) {
    x += xy[2 * i]!;
    y += xy[2 * i + 1]!;
  }
  return [x / idx.length, y / idx.length];
}

/**
 * Draws one frame of a person: background, body, hair, ears, face with shaded and textured skin, brows, eyes, nose
 * and lips, all placed by the posed 68-point shape, so the landmarks returned are exactly where the features are.
 */
export function drawScene(identity: Identity, video: VideoParams, state: FrameState, size: number): Scene {
  const canvas = createCanvas(size, size);
  const labels = new Uint8Array(size * size);
  const faceMask = new Float32Array(size * size);
  const cov = createCoverage(size, size);
  const clip = createCoverage(size, size);
  const { toFace, shade } = lighting(state);
  const uv = new Float64Array(2);
  const tint = state.light.tint;
  const sc = state.pose.scale;

  canvas.data.set(background(video, size));

  const shape = expressShape(identity.neutral, state.expression);
  const { xy } = project(shape, state.pose);
  const w = identity.shapeParams.width;

  const tex = identityTextures(identity);
  const lit =
    (base: Rgb, textured = false): Shader =>
    (x, y, out) => {
      toFace(x, y, uv);
      const s = shade(uv[0]!, uv[1]!);
      if (textured) {
        const o = 3 * texel(uv[0]!, uv[1]!);
        out[0] = base[0] * s * tex.skin[o]! * tint[0];
        out[1] = base[1] * s * tex.skin[o + 1]! * tint[1];
        out[2] = base[2] * s * tex.skin[o + 2]! * tint[2];
      } else {
        out[0] = base[0] * s * tint[0];
        out[1] = base[1] * s * tint[1];
        out[2] = base[2] * s * tint[2];
      }
    };
  const hairShader: Shader = (x, y, out) => {
    toFace(x, y, uv);
    const s = (0.55 + 0.6 * shade(uv[0]!, uv[1]!)) * tex.hair[texel(uv[0]!, uv[1]!)]!;
    out[0] = identity.hair[0] * s * tint[0];
    out[1] = identity.hair[1] * s * tint[1];
    out[2] = identity.hair[2] * s * tint[2];
  };

  // Body and neck: the body is placed in the image, the neck follows the head halfway.
  const neckBase = projectOutline(
    [
      [-0.45, 0.6],
      [0.45, 0.6],
    ],
    state,
    -0.3,
  );
  const shoulderY = Math.max(neckBase[1]!, neckBase[3]!) + 0.55 * sc;
  const midX = (neckBase[0]! + neckBase[2]!) / 2;
  fillPolygon(cov, [
    midX - 2.3 * sc,
    size + 2,
    midX - 1.6 * sc,
    shoulderY + 0.25 * sc,
    midX - 0.4 * sc,
    shoulderY - 0.1 * sc,
    midX + 0.4 * sc,
    shoulderY - 0.1 * sc,
    midX + 1.6 * sc,
    shoulderY + 0.25 * sc,
    midX + 2.3 * sc,
    size + 2,
  ]);
  composite(canvas, cov, identity.shirt, 1, labels, Region.body);
  fillPolygon(cov, [
    neckBase[0]!,
    neckBase[1]! - 0.3 * sc,
    neckBase[2]!,
    neckBase[3]! - 0.3 * sc,
    midX + 0.42 * sc,
    shoulderY + 0.05 * sc,
    midX - 0.42 * sc,
    shoulderY + 0.05 * sc,
  ]);
  const neckShade: Rgb = [identity.skin[0] * 0.72, identity.skin[1] * 0.7, identity.skin[2] * 0.7];
  composite(canvas, cov, neckShade, 1, labels, Region.body);

  // Hair behind the head.
  const style = identity.hairStyle;
  if (style !== 'bald') {
    const back: [number, number][] =
      style === 'long'
        ? [
            ...arc(0, -0.25, 1.2 * w, 1.1, Math.PI * 0.95, Math.PI * 2.05, 20),
            [1.15 * w, 1.25],
            [-1.15 * w, 1.25],
          ]
        : arc(0, -0.3, 1.12 * w, 1.05, 0, Math.PI * 2, 28);
    fillPolygon(cov, projectOutline(back, state, -0.35));
    composite(canvas, cov, hairShader, 1, labels, Region.hair);
    if (style === 'bun') {
      fillPolygon(cov, projectOutline(arc(0, -1.35, 0.38, 0.3, 0, Math.PI * 2, 20), state, -0.2));
      composite(canvas, cov, hairShader, 1, labels, Region.hair);
    }
  }

  // Ears, behind the face outline.
  const skinLit = lit(identity.skin, true);
  for (const side of [-1, 1]) {
    fillPolygon(
      cov,
      projectOutline(arc(side * 1.0 * w, -0.12, 0.13, 0.26, 0, Math.PI * 2, 16), state, -0.35),
    );
    composite(
      canvas,
      cov,
      lit([identity.skin[0] * 0.9, identity.skin[1] * 0.85, identity.skin[2] * 0.85]),
      1,
      labels,
      Region.ear,
    );
  }

  // Face: jaw (landmarks 0-16) closed by a forehead arc through the temples.
  const jaw = subset(xy, range(0, 17));
  const jawTop = (shape[1]! + shape[16 * 3 + 1]!) / 2;
  const forehead = projectOutline(arc(0, jawTop, 0.99 * w, 0.98, -0.02, -Math.PI + 0.02, 15), state);
  const face = new Float64Array(jaw.length + forehead.length);
  face.set(jaw, 0);
  face.set(forehead, jaw.length);
  fillPolygon(cov, face);
  const faceShader = skinLit;
  composite(canvas, cov, faceShader, 1, labels, Region.skin);
  accumulateMask(faceMask, cov);

  // Hair over the forehead, down to the hairline.
  if (style !== 'bald') {
    const hl = identity.hairline;
    const top = arc(0, jawTop, 1.03 * w, 1.02, -Math.PI - 0.05, 0.05, 16);
    const line = Array.from({ length: 9 }, (_, k) => {
      const x = (1.02 - (2.04 * k) / 8) * w;
      return [x, hl + 0.22 * x * x + (style === 'long' ? 0.06 : 0)] as [number, number];
    });
    fillPolygon(cov, projectOutline([...top, ...line], state, 0.03));
    composite(canvas, cov, hairShader, 1, labels, Region.hair);
  }

  // Brows: tapered bands along 17-21 and 22-26, thickest at the inner end.
  const bt = identity.browThickness * sc * 0.05;
  fillPolygon(
    cov,
    strokePolygon(subset(xy, range(17, 22)), (t) => bt * (0.55 + 0.45 * t)),
  );
  composite(canvas, cov, lit(identity.brow), 0.9, labels, Region.brow);
  fillPolygon(
    cov,
    strokePolygon(subset(xy, range(22, 27)), (t) => bt * (1 - 0.45 * t)),
  );
  composite(canvas, cov, lit(identity.brow), 0.9, labels, Region.brow);

  // Eyes: sclera polygon from the six lid landmarks, iris and pupil clipped to it, lash line on the upper lid.
  const irisR = 0.085 * sc * identity.shapeParams.eyeSize;
  for (const first of [36, 42]) {
    const eyePts = subset(xy, range(first, first + 6));
    const [ex, ey] = mean(xy, range(first, first + 6));
    fillPolygon(clip, eyePts);
    composite(canvas, clip, lit([238, 232, 226]), 1, labels, Region.eye, 0.2);
    const ix = ex + state.gaze[0] * sc;
    const iy = ey + state.gaze[1] * sc;
    for (const [r, col] of [
      [irisR, identity.iris],
      [irisR * 0.42, [18, 14, 14] as Rgb],
    ] as const) {
      fillPolygon(cov, ellipsePolygon(ix, iy, r, r, 0, 20));
      for (let yy = cov.y0; yy < cov.y1; yy++)
        for (let xx = cov.x0; xx < cov.x1; xx++)
          cov.data[yy * size + xx]! *= Math.min(1, clip.data[yy * size + xx]!);
      composite(canvas, cov, lit(col), 1);
    }
    const upper = subset(xy, first === 36 ? [36, 37, 38, 39] : [42, 43, 44, 45]);
    fillPolygon(
      cov,
      strokePolygon(upper, (t) => Math.max(0.35, 0.035 * sc * (0.4 + Math.sin(Math.PI * t)))),
    );
    composite(canvas, cov, [35, 25, 22], 0.85);
  }

  // Nose: bridge shadow on the side away from the light, alar shadow, nostrils, tip highlight.
  const side = state.light.dir[0] > 0 ? -1 : 1;
  const bridge = subset(xy, [27, 28, 29, 30]);
  for (let k = 0; k < 4; k++) bridge[2 * k] = bridge[2 * k]! + side * 0.07 * sc;
  fillPolygon(cov, strokePolygon(bridge, 0.035 * sc));
  composite(canvas, cov, [identity.skin[0] * 0.45, identity.skin[1] * 0.4, identity.skin[2] * 0.4], 0.22);
  fillPolygon(cov, strokePolygon(subset(xy, [31, 32, 33, 34, 35]), 0.03 * sc));
  composite(canvas, cov, [identity.skin[0] * 0.45, identity.skin[1] * 0.38, identity.skin[2] * 0.38], 0.3);
  for (const [a, b] of [
    [31, 32],
    [35, 34],
  ] as const) {
    const nx = xy[2 * a]! * 0.4 + xy[2 * b]! * 0.6;
    const ny = xy[2 * a + 1]! * 0.4 + xy[2 * b + 1]! * 0.6 - 0.015 * sc;
    fillPolygon(cov, ellipsePolygon(nx, ny, 0.045 * sc, 0.025 * sc, 0, 12));
    composite(canvas, cov, [40, 24, 22], 0.65);
  }
  fillPolygon(
    cov,
    ellipsePolygon(xy[60]! - side * 0.02 * sc, xy[61]! - 0.02 * sc, 0.05 * sc, 0.04 * sc, 0, 12),
  );
  composite(canvas, cov, [255, 250, 245], 0.14);

  // Lips and the mouth opening (teeth along the upper inner lip when it is open).
  fillPolygon(cov, subset(xy, range(48, 60)));
  composite(canvas, cov, lit(identity.lip), 1, labels, Region.lips, 0.3);
  const inner = subset(xy, range(60, 68));
  fillPolygon(clip, inner);
  composite(canvas, clip, lit([70, 28, 32]), 1, labels, Region.mouth);
  const teeth = subset(xy, [60, 61, 62, 63, 64]);
  fillPolygon(cov, strokePolygon(teeth, 0.045 * sc));
  for (let yy = cov.y0; yy < cov.y1; yy++)
    for (let xx = cov.x0; xx < cov.x1; xx++)
      cov.data[yy * size + xx]! *= Math.min(1, clip.data[yy * size + xx]!);
  composite(canvas, cov, lit([230, 225, 210]), 0.9);

  if (xy.length !== N_LANDMARKS * 2) throw new Error('faceworld: internal landmark count mismatch');
  return { canvas, landmarks: xy, labels, faceMask };
}
