/**
 * @packageDocumentation
 * UVS (Update Vector Search) for multi-source / multi-task gradients, on the `@cs-dfd/gramian` contract: the update
 * within c||g0|| of the mean gradient that maximises the smallest per-source loss decrease, solved exactly (closed
 * form at K = 2) and returned with its duality certificate.
 */
export { DEGENERATE_NORM, solveTwo } from './closed-form.js';
export {
  GENERAL_MAX_ITERATIONS,
  GENERAL_TOLERANCE,
  type GeneralSolverOptions,
  solveGeneral,
} from './general.js';
export {
  certify,
  dualObjective,
  type UvsCertificate,
  type UvsSolution,
} from './solution.js';
export {
  MAX_C,
  type Rescale,
  type ResolvedUvsOptions,
  rescaleFactor,
  resolveUvsOptions,
  solveUvs,
  solveWeighting,
  type UvsOptions,
  type UvsSolver,
  uvs,
} from './uvs.js';
