import { convexHullXY, dilatePolygon } from '@cs-dfd/imaging';
import { drawScene } from '../render.js';
import { blockUpsample, softMask } from '../traces.js';
import { DATASETS, defineFamily } from './family.js';
import { blendSourceFake, hybrid, liftedBrows, points, range } from './helpers.js';

/** Source face swap: a donor's inner face on the person's head, landmark-hull mask, block-upsampling generator. */
export const fwSwap = defineFamily({
  label: 'FW_swap',
  dataset: DATASETS.source,
  target: 1,
  role: 'source',
  pool: 0,
  donor: true,
  trace:
    'face swap (inner face of a donor, landmark-hull mask); generator renders at 1/2 of the 64-px analysis ' +
    'scale and upsamples by nearest neighbour (block fingerprint); sharedCue sets colour mismatch and mask ' +
    'sharpness; opposingTrace adds sharpening and fine noise',
  render(ctx) {
    const { size, scale } = ctx;
    const inner = range(17, 68);
    const g = drawScene(hybrid(ctx.person, ctx.donor, inner, true), ctx.clip, ctx.state, size);
    const hull = convexHullXY([
      ...liftedBrows(g.landmarks, 0.35),
      ...points(dilatePolygon(Float64Array.from(points(g.landmarks, range(2, 15))), 0.9), range(0, 13)),
      ...points(g.landmarks, inner),
    ]);
    const mask = softMask(size, [hull], ctx.feather);
    const gen = blockUpsample(g.canvas, Math.max(2, Math.round(2 * scale)));
    return { canvas: blendSourceFake(ctx, gen, mask), mask, scene: g };
  },
});
