import { ellipsePolygon } from '@cs-dfd/imaging';
import { drawScene } from '../render.js';
import { bilinearResample, blend, softMask, transferColour } from '../traces.js';
import { DATASETS, defineFamily } from './family.js';
import { hybrid, range } from './helpers.js';

/** Held-out face swap: another blend shape (an ellipse), a bilinear low-pass generator, partial colour transfer. */
export const fwtSwap = defineFamily({
  label: 'FWT_swap',
  dataset: DATASETS.target,
  target: 1,
  role: 'target',
  pool: 1,
  donor: true,
  trace:
    'face swap with an elliptical mask (another blend shape), bilinear-upsampled low-pass generator, ' +
    'partial colour transfer, medium feather; no added high frequencies',
  render(ctx) {
    const { size, scale } = ctx;
    const g = drawScene(hybrid(ctx.person, ctx.donor, range(17, 68), true), ctx.clip, ctx.state, size);
    // An ellipse around the inner face: centred between brows and chin, aligned with the nose axis.
    const xy = g.landmarks;
    const cx = (xy[2 * 27]! + xy[2 * 57]!) / 2;
    const cy = (xy[2 * 27 + 1]! + xy[2 * 57 + 1]!) / 2 - 0.05 * size;
    const ax = xy[2 * 57]! - xy[2 * 27]!;
    const ay = xy[2 * 57 + 1]! - xy[2 * 27 + 1]!;
    const len = Math.hypot(ax, ay);
    const angle = Math.atan2(ay, ax) - Math.PI / 2;
    const rx = 0.55 * Math.hypot(xy[2 * 16]! - xy[0]!, xy[2 * 16 + 1]! - xy[1]!) * 0.8;
    const ry = 0.95 * len;
    const mask = softMask(size, [ellipsePolygon(cx, cy, rx, ry, angle, 32)], (2 * size) / 96, 1.5);
    const gen = bilinearResample(g.canvas, Math.max(2, Math.round(2 * scale)));
    const base = ctx.captured();
    transferColour(gen, base, mask, 0.35, [0, 0, 0]);
    return { canvas: blend(base, gen, mask), mask, scene: g };
  },
});
