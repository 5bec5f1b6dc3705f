import { convexHullXY, dilatePolygon } from '@cs-dfd/imaging';
import { drawScene } from '../render.js';
import { addPattern, bilinearResample, blend, softMask, transferColour } from '../traces.js';
import { DATASETS, defineFamily } from './family.js';
import { hybrid, liftedBrows, points, range } from './helpers.js';

/** Held-out partial swap: the donor's brows, eyes and nose in a band mask with a near-sharp edge. */
export const fwtPartial = defineFamily({
  label: 'FWT_partial',
  dataset: DATASETS.target,
  target: 1,
  role: 'target',
  pool: 1,
  donor: true,
  trace:
    "partial swap of the donor's brows, eyes and nose (band mask, near-sharp edge, colour mismatch); " +
    'horizontal spectral peak (period 6 analysis px)',
  render(ctx) {
    const { size, scale, scene } = ctx;
    const g = drawScene(hybrid(ctx.person, ctx.donor, range(17, 48), true), ctx.clip, ctx.state, size);
    const band = dilatePolygon(
      convexHullXY([
        ...liftedBrows(g.landmarks, 0.2),
        ...points(g.landmarks, range(27, 48)),
        ...points(scene.landmarks, range(27, 48)),
      ]),
      1.12,
    );
    const mask = softMask(size, [band], (0.8 * size) / 96, 1.3);
    const gen = bilinearResample(g.canvas, 1);
    const period = 6 * scale;
    addPattern(gen, 3, (x) => Math.cos((2 * Math.PI * x) / period));
    const base = ctx.captured();
    transferColour(gen, base, mask, 0.5, [0, 0, 0]);
    return { canvas: blend(base, gen, mask), mask, scene: g };
  },
});
