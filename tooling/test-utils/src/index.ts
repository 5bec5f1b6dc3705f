/**
 * @packageDocumentation
 * Test-only helpers of the cs-dfd optimizer packages (private; never a runtime dependency).
 */
export { expectBadGramsRejected, expectGramUnchanged, gramianErrorOf } from './errors.js';
export {
  gramOfMaps,
  gramTimes,
  gramTimesAbs,
  maxDiag,
  permuteGram,
  update,
  updateDistanceSquared,
} from './gram.js';
export {
  GOLDEN_J,
  gramCases,
  independentProblems,
  type Problem,
  type ProblemShape,
  permutationOf,
  problems,
  unitEntry,
} from './jacobians.js';
export {
  describeReadmeExample,
  type ExampleRun,
  exampleBlock,
  promisedLogs,
  type ReadmeExample,
  runExample,
} from './readme.js';
