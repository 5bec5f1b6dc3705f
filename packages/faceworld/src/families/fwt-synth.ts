import { capture } from '../camera.js';
import { addPattern, bilinearResample } from '../traces.js';
import { DATASETS, defineFamily } from './family.js';

/** Held-out whole-frame synthesis: no blending boundary, no sensor noise, the generator's own grid. */
export const fwtSynth = defineFamily({
  label: 'FWT_synth',
  dataset: DATASETS.target,
  target: 1,
  role: 'target',
  pool: 1,
  donor: false,
  trace:
    'whole-frame synthesis: no blending boundary, no sensor noise, low-pass generator with a periodic ' +
    '8-px (analysis scale) grid',
  render(ctx) {
    const { size, scale } = ctx;
    // No camera ever saw this frame: tone only, no optics or sensor noise; the generator's own grid instead.
    const toned = capture(ctx.scene.canvas, { ...ctx.camera, blur: 0, noise: 0 }, ctx.fx);
    const gen = bilinearResample(toned, Math.max(2, Math.round(2 * scale)));
    const period = 8 * scale;
    addPattern(
      gen,
      2.5,
      (x, y) => Math.cos((2 * Math.PI * x) / period) * Math.cos((2 * Math.PI * y) / period),
    );
    // The whole frame is synthesised; landmarks stay the real scene's.
    return { canvas: gen, mask: new Float32Array(size * size).fill(1) };
  },
});
