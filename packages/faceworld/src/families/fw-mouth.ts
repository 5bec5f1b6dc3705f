import { DATASETS, defineFamily } from './family.js';
import { reenact } from './reenactment.js';

/** Source mouth re-texturing: the mouth re-rendered with a donor clip's mouth motion, posterised, dot grid. */
export const fwMouth = defineFamily({
  label: 'FW_mouth',
  dataset: DATASETS.source,
  target: 1,
  role: 'source',
  pool: 0,
  donor: true,
  trace:
    "mouth re-texturing (neural-texture-like): mouth region re-rendered with a donor clip's mouth motion, " +
    'posterised texture and a 2-px dot grid; sharedCue and opposingTrace as above',
  render: (ctx) => reenact(ctx, true),
});
