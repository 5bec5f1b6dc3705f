/**
 * @packageDocumentation
 * The CS-DFD training core (DESIGN §13): the config schema, method planning and method labels, the datasets, batch
 * packing and the step, checkpoints, the large-batch diagnostics, evaluation, the run report, and `train()` — the
 * run as phases that report through typed {@link TrainEvent}s. The `cs-dfd-train` command line and the benchmark
 * grid are both built on it. Light entry points: `@cs-dfd/training/config` (schema and overrides, no TensorFlow.js),
 * `@cs-dfd/training/method`, `@cs-dfd/training/progress` (progress displays).
 */
export {
  CHECKPOINT_VERSION,
  CheckpointError,
  type CheckpointExtras,
  type CheckpointWriteTiming,
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
  configKeys,
  diffConfigs,
  EMA_COSINE_BETA,
  EXECUTION_ONLY_KEYS,
  hashOf,
  identityConfig,
  LARGE_BATCH_EVERY,
  LARGE_BATCH_SIZE,
  loadConfig,
  NEUTRAL_VALUES,
  readConfigFile,
  resolveConfig,
  stableJson,
  TRAINER_METHODS,
  type TrainConfig,
  type TrainConfigInput,
} from './config.js';
export {
  type Datasets,
  type EvalSplit,
  faceworldFolder,
  type GenerationProgress,
  loadDatasets,
} from './dataset.js';
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
  checkDecodable,
  type DecodedSplit,
  type DecodePolicy,
  decodeSplit,
  type SplitMetrics,
  scoreImages,
  scoresCsv,
  scoresFile,
  splitMetrics,
} from './evaluation.js';
export {
  checkMemoryFits,
  estimateRunMemory,
  type MemoryEstimate,
  type MemoryLimit,
  memoryLimit,
  type PhaseEstimate,
  WASM_HEAP_MAX,
} from './memory-estimate.js';
export {
  METHOD_LABELS,
  type MethodLabel,
  type MethodPlan,
  methodLabel,
  methodLabelOverrides,
  methodNames,
  parseMethodLabel,
  planMethod,
} from './method.js';
export {
  GroupedOptimizer,
  makeOptimizer,
  type OptimizerGroup,
  type ParameterGroups,
} from './optimizer.js';
export { barProgress, defaultProgress, lineProgress, type Progress, silentProgress } from './progress.js';
export {
  type GradCamImage,
  gradCam,
  gradCamMaps,
  overlay,
  upsampleMaps,
  writeGradCams,
} from './report/gradcam.js';
export { diagnosticsOf, type Report, type RocSeries, reportMarkdown, writeReport } from './report/report.js';
export type {
  CheckpointEvent,
  CheckpointTiming,
  DataEvent,
  DataProgressEvent,
  DiagnosticsEvent,
  EvalEvent,
  FinalEvalEvent,
  LoopEndEvent,
  RunEndEvent,
  RunErrorEvent,
  RunStartEvent,
  SetupEvent,
  StepEvent,
  StepTiming,
  TrainEvent,
  TrainEventType,
  TrainListener,
  TrainMessageEvent,
} from './run/events.js';
export { on } from './run/events.js';
export { hooksListener, progressListener, type TrainHooks } from './run/listeners.js';
export { readLog } from './run/log-file.js';
export {
  acquireRunLock,
  cleanCheckpointLeftovers,
  type LockInfo,
  prepareRunFolder,
  RunFolderError,
  type RunLock,
} from './run/run-folder.js';
export { checkConfig, resumeHash, stepsFor } from './run/setup.js';
export type { RunTiming, TimedCount } from './run/timing.js';
export { type TrainOptions, type TrainResult, train } from './run/train.js';
export { LISTED_SKIPS, type SkipReport, type SplitSkips, skipLines, splitSkips } from './skips.js';
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
  checkWorkers,
  type MachineLoad,
  resolveWorkers,
  STEP_WORKERS,
  StepWorkers,
  type WorkersChoice,
  workersUnsupported,
} from './step-workers.js';
