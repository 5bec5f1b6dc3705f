import { DATASETS, defineFamily } from './family.js';
import { reenact } from './reenactment.js';

/** Source expression re-enactment: mouth and eyes re-rendered with a donor clip's expression. */
export const fwReenact = defineFamily({
  label: 'FW_reenact',
  dataset: DATASETS.source,
  target: 1,
  role: 'source',
  pool: 0,
  donor: true,
  trace:
    "expression re-enactment: mouth and eyes re-rendered with a donor clip's expression (component masks); " +
    'smooth generator with a diagonal spectral peak (period 4 analysis px); sharedCue and opposingTrace as above',
  render: (ctx) => reenact(ctx, false),
});
