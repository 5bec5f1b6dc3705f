/**
 * @packageDocumentation
 * The aggregation contract of cs-dfd (host side; tensor side in `@cs-dfd/gramian/tfjs`, small dense solvers in
 * `@cs-dfd/gramian/linalg`).
 */
export { constant, mean, sum } from './basic.js';
export {
  type Aggregator,
  applyReduction,
  isVectorAggregator,
  type JsonValue,
  type MethodState,
  type Reduction,
  type VectorAggregator,
  type Weighting,
  type WeightingResult,
} from './contract.js';
export { cosine, type GramDiagnostics, gramDiagnostics } from './diagnostics.js';
export {
  checkChoice,
  checkInteger,
  checkOption,
  GramianError,
  type GramianErrorCode,
  taskLabel,
} from './errors.js';
export {
  at,
  checkFiniteGradients,
  checkWeights,
  combine,
  gramMatrix,
  gramOfRows,
  type HostVector,
  validateGram,
} from './gram.js';
export { type Correction, correctInRandomOrder, type SequentialCorrection } from './surgery.js';
