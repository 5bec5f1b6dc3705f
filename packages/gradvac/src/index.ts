/**
 * @packageDocumentation
 * GradVac as a stateful Gram-space weighting on the cs-dfd aggregation contract (`@cs-dfd/gramian`).
 */
export {
  type GradVacOptions,
  type GradVacState,
  type GradVacWeighting,
  gradVac,
  MAX_TARGET,
} from './gradvac.js';
