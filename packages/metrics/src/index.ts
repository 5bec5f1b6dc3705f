/**
 * @packageDocumentation
 * Metrics for binary deepfake detection. Convention everywhere: label 0 = real, 1 = fake; a higher score means
 * "more likely fake"; a sample is called fake when `score >= threshold`. Degenerate inputs documented per function
 * (one class only, an empty class) return NaN and call an injectable `warn`; malformed inputs throw
 * {@link MetricsError}.
 */
export {
  accuracy,
  type ChosenThreshold,
  type ClassAccuracies,
  chooseThreshold,
  classAccuracies,
  type ThresholdCriterion,
} from './accuracy.js';
export { averagePrecision } from './ap.js';
export { auc } from './auc.js';
export { hanleyMcNeilSE } from './auc-se.js';
export {
  type BootstrapInterval,
  type BootstrapOptions,
  bootstrapCI,
  quantile,
  type SampleMetric,
} from './bootstrap.js';
export { type MetricOptions, MetricsError, type MetricsErrorCode, type WarnFn } from './errors.js';
export { evaluate, type MetricReport } from './evaluate.js';
export type { Labels, Scores } from './inputs.js';
export { type EerResult, eer, type RocCurve, rocCurve } from './roc.js';
export { type VideoScores, videoScores } from './video.js';
