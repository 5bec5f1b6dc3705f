/**
 * @packageDocumentation
 * MGDA on the cs-dfd aggregation contract: the min-norm point of the convex hull of the task gradients,
 * computed from the Gram matrix alone.
 */
export { type MgdaInfo, type MgdaOptions, type MgdaWeighting, mgda } from './mgda.js';
export {
  type MinNormSolution,
  minNormActiveSet,
  minNormFrankWolfe,
  minNormKktResidual,
  minNormPair,
} from './min-norm.js';
