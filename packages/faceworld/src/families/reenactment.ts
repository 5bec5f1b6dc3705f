/** The expression re-rendering behind `FW_reenact` and `FW_mouth` (they differ in which parts move). */
import { convexHullXY, dilatePolygon } from '@cs-dfd/imaging';
import type { Canvas } from '../raster.js';
import { drawScene } from '../render.js';
import { addPattern, bilinearResample, posterise, softMask } from '../traces.js';
import type { FamilyContext, FamilyOutput } from './family.js';
import { blendSourceFake, liftedBrows, points, range } from './helpers.js';

/**
 * Re-renders the frame with the donor clip's mouth motion (`mouthOnly`) or mouth, blinks and brows, masks the
 * moved components in both frames, and adds the family's generator trace: a posterised texture with a dot grid
 * (mouth) or a smooth resample with a diagonal spectral peak (re-enactment).
 */
export function reenact(ctx: FamilyContext, mouthOnly: boolean): FamilyOutput {
  const { scene, state, scale } = ctx;
  const drive = ctx.drivingExpression();
  const expr = mouthOnly
    ? { ...state.expression, mouthOpen: drive.mouthOpen, smile: drive.smile }
    : {
        ...state.expression,
        mouthOpen: drive.mouthOpen,
        smile: drive.smile,
        blink: drive.blink,
        browRaise: drive.browRaise,
      };
  const g = drawScene(ctx.person, ctx.clip, { ...state, expression: expr }, ctx.size);
  // Masks cover the component in both the original and the re-rendered frame, so no old feature shows.
  const both = (idx: readonly number[], grow: number): Float64Array =>
    dilatePolygon(convexHullXY([...points(scene.landmarks, idx), ...points(g.landmarks, idx)]), grow);
  const polys = [both(range(48, 68), 1.45)];
  if (!mouthOnly) {
    const browsEyes = (a: number, b: number, c: number, d: number): Float64Array =>
      dilatePolygon(
        convexHullXY([
          ...points(scene.landmarks, range(a, b)),
          ...points(g.landmarks, range(a, b)),
          ...points(scene.landmarks, range(c, d)),
          ...points(g.landmarks, range(c, d)),
          ...liftedBrows(g.landmarks, 0.15).slice((a - 17) * 2, (b - 17) * 2),
        ]),
        1.25,
      );
    polys.push(browsEyes(17, 22, 36, 42), browsEyes(22, 27, 42, 48));
  }
  const mask = softMask(ctx.size, polys, ctx.feather);
  let gen: Canvas;
  if (mouthOnly) {
    gen = g.canvas;
    posterise(gen, 10);
    const p = Math.max(2, Math.round(2 * scale));
    addPattern(gen, 4, (x, y) => (x % p === 0 && y % p === 0 ? 1 : -0.25));
  } else {
    gen = bilinearResample(g.canvas, 1);
    const period = 4 * scale;
    addPattern(gen, 3, (x, y) => Math.cos((2 * Math.PI * (x + y)) / period));
  }
  return { canvas: blendSourceFake(ctx, gen, mask), mask, scene: g };
}
