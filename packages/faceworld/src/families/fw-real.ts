import { DATASETS, defineFamily } from './family.js';

/** Source reals: the source camera's capture of the scene. */
export const fwReal = defineFamily({
  label: 'FW_real',
  dataset: DATASETS.source,
  target: 0,
  role: 'real',
  pool: 0,
  donor: false,
  trace: 'captured by the source camera; no manipulation',
  render: (ctx) => ({ canvas: ctx.captured() }),
});
