// Shared StrykerJS configuration, run with the working directory set to one package (packages/<name>); see
// mutate.mjs, which does that for each package. Tests run against the package's TypeScript sources through its own
// vitest project, exactly as `npx vitest run --project <name>` runs them.
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutatedFiles, thresholdFor } from './targets.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const pkg = basename(process.cwd());
const require = createRequire(join(root, 'package.json'));
const target = thresholdFor(pkg);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  // Plugins resolved from the root, where they are installed; the package's own node_modules does not hold them.
  plugins: [require.resolve('@stryker-mutator/vitest-runner')],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts', related: false },
  mutate: mutatedFiles(process.cwd()),
  // Left false on purpose: Stryker would prepend `// @ts-nocheck` to every source file, and README tests compare
  // example files with sources verbatim.
  disableTypeChecks: false,
  coverageAnalysis: 'perTest',
  // Development machines are shared: 2 test runners unless mutate.mjs is given --concurrency.
  concurrency: 2,
  timeoutMS: 20_000,
  thresholds: { high: target, low: target - 10, break: target },
  reporters: ['json', 'html', 'clear-text', 'progress'],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  jsonReporter: { fileName: join(root, 'reports/mutation', pkg, 'mutation.json') },
  htmlReporter: { fileName: join(root, 'reports/mutation', pkg, 'index.html') },
  // Incremental state per package, committed, so CI retests only the mutants whose code or tests changed.
  incrementalFile: join(here, 'incremental', `${pkg}.json`),
  tempDirName: join(root, 'reports/mutation/.stryker-tmp', pkg),
  cleanTempDir: 'always',
};
