/**
 * @packageDocumentation
 * cs-dfd-train as a library: the same training run the CLI performs (`train`), its configuration schema, the
 * step, checkpoints, evaluation and scoring — for the benchmark app and for scripts.
 */
export {
  CHECKPOINT_VERSION,
  CheckpointError,
  type CheckpointExtras,
  type LoadedCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type TrainerState,
  verifyCheckpoint,
} from './checkpoint.js';
export {
  applyOverrides,
  ConfigError,
  ConfigSchema,
  EMA_COSINE_BETA,
  hashOf,
  LARGE_BATCH_EVERY,
  LARGE_BATCH_SIZE,
  loadConfig,
  readConfigFile,
  resolveConfig,
  stableJson,
  TRAINER_METHODS,
  type TrainConfig,
  type TrainConfigInput,
} from './config.js';
export { type Datasets, type EvalSplit, faceworldFolder, loadDatasets } from './dataset.js';
export {
  correctedCosine,
  type DiagnosticsRecord,
  diagnosticsLoader,
  diagnosticsSeed,
  diagnosticsSummary,
  LargeBatchAccumulator,
  type LargeBatchPlan,
  type LargeBatchResult,
  largeBatchDiagnostics,
  largeBatchDue,
  largeBatchPlan,
  largeBatchSteps,
  MIN_RELIABILITY,
  spearmanBrown,
} from './diagnostics.js';
export {
  type DecodedSplit,
  decodeSplit,
  type SplitMetrics,
  scoreImages,
  scoresCsv,
  scoresFile,
  splitMetrics,
} from './evaluation.js';
export {
  type GradCamImage,
  gradCam,
  gradCamMaps,
  overlay,
  upsampleMaps,
  writeGradCams,
} from './gradcam.js';
export { type MethodPlan, methodLabel, methodNames, planMethod } from './method.js';
export { makeOptimizer } from './optimizer.js';
export { barProgress, defaultProgress, lineProgress, type Progress, silentProgress } from './progress.js';
export { diagnosticsOf, type Report, type RocSeries, reportMarkdown, writeReport } from './report.js';
export { imageFiles, modelFolder, type ScoredImage, scoreFiles, scorePaths } from './score.js';
export {
  fakesPerSource,
  learningRate,
  packBatch,
  runStep,
  type StepData,
  type StepOptions,
  type StepRecord,
  setLearningRate,
} from './step.js';
export {
  checkConfig,
  resumeHash,
  stepsFor,
  type TrainHooks,
  type TrainOptions,
  type TrainResult,
  train,
} from './train.js';
