/**
 * @packageDocumentation
 * `cs-dfd-bench grid` as a library: the runner, the summary and tables, the variants file and the data contract.
 */
export {
  type CellRun,
  type CellState,
  cellState,
  type RunCellOptions,
  runCell,
} from './cell-runner.js';
export { type CellRecord, cellDir, cellHash, configDiff, readCell } from './cells.js';
export { addGridCommand, parseCross, parseLabels } from './command.js';
export { GridError, type GridErrorCode } from './errors.js';
export {
  type CellExecutor,
  type CellHooks,
  type CellTask,
  inProcessExecutor,
  prefixed,
} from './executor.js';
export { type StepStats, stepStats } from './log-stats.js';
export { type GridMethodSpec, knownMethodsText, methodOverrides, resolveMethods } from './methods.js';
export {
  GRID_FILES,
  type SummaryFiles,
  summarizeDir,
  summaryFiles,
  validateResults,
  writeGridFiles,
} from './outputs.js';
export {
  autoJobs,
  CELL_PROCESS_SCRIPT,
  CORES_PER_CELL,
  DEFAULT_JOBS,
  type ProcessPoolOptions,
  processPoolExecutor,
} from './process-pool.js';
export { type CrossDomainSet, type GridProtocol, protocolConfig } from './protocol.js';
export {
  type CellJobData,
  checkWritable,
  type GridWorker,
  JOB_DEFAULTS,
  QUEUE_NAME,
  type QueueExecutorOptions,
  queueExecutor,
  queueUrl,
  redisOptions,
  startWorker,
  WORKER_DEFAULTS,
  type WorkerOptions,
} from './queue.js';
export * from './report/index.js';
export {
  type CellAction,
  type CellEvent,
  type GridPlan,
  gridMachine,
  type PlannedCell,
  planGrid,
  type RunGridOptions,
  type RunGridResult,
  runGrid,
} from './run.js';
export { type IntervalOptions, seedInterval, summarize } from './summary.js';
export { CSV_HEADER, csvField, intervalText, splitTitle, summaryCsv, summaryMarkdown } from './tables.js';
export * from './types.js';
export { loadVariants, parseVariants, type Variant } from './variants.js';
