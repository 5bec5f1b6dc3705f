/** The `cs-dfd-bench` command tree (cli.ts runs it). */

import { AGGREGATORS } from '@cs-dfd/aggregators';
import { isVectorAggregator } from '@cs-dfd/gramian';
import { writeFileAtomic } from '@cs-dfd/plots';
import { Command } from 'commander';
import {
  backendOption,
  listOf,
  nonNegativeInt,
  oneOf,
  positiveInt,
  positiveIntList,
  positiveNumber,
} from './cli-args.js';
import { addGridCommand } from './grid/command.js';
import { addWorkerCommand } from './grid/worker-command.js';
import { METHODS } from './methods.js';
import { addMultiMnistCommand } from './multimnist/command.js';
import { aggregateSuite } from './perf/aggregate.js';
import { addPerfCommands } from './perf/command.js';
import { stepSuite } from './perf/step.js';
import { fmt, markdownTable } from './table.js';
import { toyProtocol } from './toy/index.js';

const METHOD_NAMES = METHODS.map((m) => m.name);
/** Every aggregator name (the step runs vector-level methods too). */
const AGGREGATOR_NAMES = AGGREGATORS.map((a) => a.name);
/** The aggregators the throughput suite can time: those that weight in Gram space. */
const GRAM_SPACE_NAMES = AGGREGATORS.filter((a) => !isVectorAggregator(a.make())).map((a) => a.name);

/**
 * The whole CLI. `exitOverride`: throw commander's errors instead of exiting (tests check every option's usage
 * error in-process); `writeErr` receives commander's error output (default stderr).
 */
export function buildProgram(
  options: { exitOverride?: boolean; writeErr?: (s: string) => void } = {},
): Command {
  const program = new Command('cs-dfd-bench').description(
    'cs-dfd benchmarks: optimizer protocols and performance suites (prints machine and backend)',
  );
  // Set before the subcommands are added: commander copies these settings into each.
  if (options.exitOverride) program.exitOverride();
  if (options.writeErr) program.configureOutput({ writeErr: options.writeErr });

  program
    .command('toy')
    .description(
      "two-objective 2-D toy of the CAGrad paper: Adam on every method's update from six standard starts",
    )
    .option(
      '--methods <list>',
      `comma-separated methods (known: ${METHOD_NAMES.join(', ')})`,
      listOf(oneOf(METHOD_NAMES, 'method')),
      METHOD_NAMES,
    )
    .option('--steps <n>', 'Adam steps per run', positiveInt, 100_000)
    .option('--lr <x>', 'Adam learning rate', positiveNumber, 1e-3)
    .option('--json <file>', 'write {"runs": [{method, start, end, losses}]} here')
    .option('--png <file>', 'write the trajectory plot here (and the SVG beside it)')
    .action(async (opts: { methods: string[]; steps: number; lr: number; json?: string; png?: string }) => {
      const t0 = performance.now();
      const { table } = await toyProtocol({
        methods: opts.methods,
        steps: opts.steps,
        lr: opts.lr,
        ...(opts.json === undefined ? {} : { json: opts.json }),
        ...(opts.png === undefined ? {} : { plot: opts.png }),
        onRun: (r) => process.stderr.write(`  ${r.method} from (${r.start.join(', ')}) done\n`),
      });
      process.stdout.write(`${table}\n`);
      process.stdout.write(
        `\n${opts.methods.length * 6} runs of ${opts.steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s (node ${process.version})\n`,
      );
      if (opts.json) process.stdout.write(`wrote ${opts.json}\n`);
      if (opts.png) process.stdout.write(`wrote ${opts.png}\n`);
    });

  program
    .command('aggregate')
    .description(
      'aggregation throughput: build G, solve for the weights, combine, for K tasks of P parameters',
    )
    .option('--ks <list>', 'numbers of tasks', positiveIntList, [2, 4, 8])
    .option('--ps <list>', 'parameter counts', positiveIntList, [1e5, 1e6, 1e7])
    .option(
      '--method <name>',
      `Gram-space aggregator to time (known: ${GRAM_SPACE_NAMES.join(', ')})`,
      oneOf(GRAM_SPACE_NAMES, 'Gram-space method'),
      'uvs',
    )
    .option('--repeats <n>', 'timed repeats per cell (after one warm-up)', positiveInt, 5)
    .addOption(backendOption('force a backend; default: the best available'))
    .option('--json <file>', 'write {"machine", "rows": [...]} here')
    .action(
      async (opts: {
        ks: number[];
        ps: number[];
        method: string;
        repeats: number;
        backend?: string;
        json?: string;
      }) => {
        const { machine, rows } = await aggregateSuite({
          Ks: opts.ks,
          Ps: opts.ps,
          method: opts.method,
          repeats: opts.repeats,
          ...(opts.backend === undefined ? {} : { backend: opts.backend }),
          log: (l) => process.stderr.write(`${l}\n`),
        });
        process.stdout.write(`${machine}\n\n`);
        process.stdout.write(
          `${markdownTable(
            ['K', 'P', 'G (ms)', 'weights (ms)', 'combine (ms)', 'total (ms)', 'M params/s'],
            rows.map((r) => [
              String(r.K),
              r.P.toExponential(0),
              fmt(r.gram_ms, 2),
              fmt(r.weights_ms, 3),
              fmt(r.combine_ms, 2),
              fmt(r.total_ms, 2),
              fmt(r.mparams_per_s, 0),
            ]),
          )}\n`,
        );
        if (opts.json) await writeFileAtomic(opts.json, `${JSON.stringify({ machine, rows }, null, 2)}\n`);
      },
    );

  program
    .command('step')
    .description(
      'one training step of the DESIGN §12 CNN (32x64x64x3 as 2 sources x 16): stock wasm, fixed wasm on the main thread, on 2 workers, on main + 1 worker, and cpu',
    )
    .option('--steps <n>', 'timed steps per wasm configuration (after 2 warm-ups)', positiveInt, 100)
    .option(
      '--cpu-steps <n>',
      'timed steps on the cpu backend (about 90 s each here); 0 skips the row',
      nonNegativeInt,
      1,
    )
    .option(
      '--method <name>',
      `aggregator of the per-source gradients (known: ${AGGREGATOR_NAMES.join(', ')})`,
      oneOf(AGGREGATOR_NAMES, 'method'),
      'uvs',
    )
    .option(
      '--json <file>',
      'write {"machine", "rows": [{backend, workers, ms_median, ms_min, ms_max, ...}]} here',
    )
    .action(async (opts: { steps: number; cpuSteps: number; method: string; json?: string }) => {
      const { machine, rows } = await stepSuite({
        steps: opts.steps,
        cpuSteps: opts.cpuSteps,
        method: opts.method,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      const ms = (v: number | null) => (v === null ? '-' : fmt(v, 1));
      process.stdout.write(
        `${markdownTable(
          [
            'backend',
            'workers',
            'placement',
            'steps',
            'median (ms)',
            'min (ms)',
            'max (ms)',
            'tensor growth',
            'error',
          ],
          rows.map((r) => [
            r.backend,
            String(r.workers),
            r.placement,
            String(r.steps),
            ms(r.ms_median),
            ms(r.ms_min),
            ms(r.ms_max),
            r.tensor_growth === null ? '-' : String(r.tensor_growth),
            r.error ?? '',
          ]),
        )}\n`,
      );
      process.stdout.write(
        `load average ${machine.load_start.map((l) => l.toFixed(2)).join('/')} at the start, ${machine.load_end.map((l) => l.toFixed(2)).join('/')} at the end (${machine.note})\n`,
      );
      if (opts.json) await writeFileAtomic(opts.json, `${JSON.stringify({ machine, rows }, null, 2)}\n`);
    });

  addGridCommand(program);
  addWorkerCommand(program);
  addMultiMnistCommand(program);
  addPerfCommands(program);
  return program;
}
