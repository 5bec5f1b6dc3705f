/**
 * @packageDocumentation
 * CGR's Conflict Descent Loss (DESIGN §6) for TensorFlow.js: per-source head gradients of the detector head in
 * closed form (`exact`, `diagonal`) or by nested gradients (`generic`, any head), their pairwise cosines,
 * L_cd = mean_{k<l} ρ(cos(h_k, h_l)), and the training step d = aggregate(g_1..g_K) + λ∇L_cd on the
 * feature-cotangent split of `@cs-dfd/multitask` (§3.3).
 */
export {
  type ConflictLossOptions,
  type ConflictLossValue,
  type ConflictMode,
  conflictDescentLoss,
  headGradients,
  MODES,
} from './conflict-loss.js';
export { ConflictLossError, type ConflictLossErrorCode } from './errors.js';
export { type CgrDiagnostics, type ConflictExtra, conflictExtra } from './extra.js';
export {
  type ActivationName,
  activation,
  asGenericHead,
  type GenericHead,
  isGenericHead,
  isStandardHead,
  type StandardHead,
  type StandardHeadParams,
  standardHead,
  standardLogits,
} from './head.js';
export { cosineMatrix, RHOS, type Rho, ZERO_GRADIENT_SQ_NORM } from './rho.js';
export type { SourceBatch } from './sources.js';
export {
  type CgrOptions,
  type CgrSource,
  type CgrSplit,
  type CgrStepProblem,
  type CgrStepResult,
  cgrStep,
} from './step.js';
export { detached, stopGradient } from './stop-gradient.js';
