#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { METHODS } from './methods.js';
import { toyProtocol } from './toy/index.js';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};
const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const program = new Command('cs-dfd-bench').description(
  'cs-dfd benchmarks: optimizer protocols and performance suites (prints machine and backend)',
);

program
  .command('toy')
  .description(
    "two-objective 2-D toy of the CAGrad paper: Adam on every method's update from six standard starts",
  )
  .option(
    '--methods <list>',
    `comma-separated methods (known: ${METHODS.map((m) => m.name).join(', ')})`,
    list,
    METHODS.map((m) => m.name),
  )
  .option('--steps <n>', 'Adam steps per run', positiveInt, 100_000)
  .option('--lr <x>', 'Adam learning rate', Number, 1e-3)
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

await program.parseAsync();
