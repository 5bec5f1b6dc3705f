/**
 * @packageDocumentation
 * UPGrad and DualProj on the cs-dfd aggregation contract: projections onto the dual cone of the task gradients,
 * computed from the Gram matrix alone by an exact active-set solve.
 */
export { type DualConeProjection, projectToDualCone } from './dual-cone.js';
export type { DualConeOptions } from './options.js';
export { type DualConeWeighting, dualProj, upgrad } from './upgrad.js';
