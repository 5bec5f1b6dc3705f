import { DATASETS, defineFamily } from './family.js';

/** Target reals: another camera's capture of the target people. */
export const fwtReal = defineFamily({
  label: 'FWT_real',
  dataset: DATASETS.target,
  target: 0,
  role: 'real',
  pool: 1,
  donor: false,
  trace: 'captured by the target camera; no manipulation',
  render: (ctx) => ({ canvas: ctx.captured() }),
});
