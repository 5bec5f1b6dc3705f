/**
 * @packageDocumentation
 * cs-dfd-bench as a library: the protocols behind the CLI, for scripting and tests.
 */
export * from './grid/index.js';
export { METHODS, type MethodEntry, methodsByName } from './methods.js';
export * from './multimnist/index.js';
export { type AggregateRow, type AggregateSuiteOptions, aggregateSuite } from './perf/aggregate.js';
export {
  type MethodStepOptions,
  type MethodStepReport,
  type MethodStepRow,
  methodStepSuite,
  STEP_TARGETS,
} from './perf/method-step.js';
export { type StepMachine, type StepRow, type StepSuiteOptions, stepSuite } from './perf/step.js';
export { fmt, markdownTable } from './table.js';
export * from './toy/index.js';
