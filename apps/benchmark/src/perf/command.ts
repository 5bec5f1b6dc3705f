/**
 * The `methods` and `synthesis` performance commands (issue #8 item 6): step time per method relative to `joint`
 * on the trainer's step, and SBI synthesis rate against the trainer's consumption.
 */
import { readFile } from 'node:fs/promises';
import type { CandidateName } from '@cs-dfd/backend';
import { writeFileAtomic } from '@cs-dfd/plots';
import {
  applyOverrides,
  checkWorkers,
  planMethod,
  readConfigFile,
  type TrainConfigInput,
} from '@cs-dfd/training';
import { type Command, InvalidArgumentError } from 'commander';
import { backendOption, collect, listOf, nonNegativeInt, positiveInt } from '../cli-args.js';
import { fmt } from '../table.js';
import { machineLine } from './machine.js';
import {
  detectorInputSize,
  type MethodStepReport,
  methodConfig,
  methodStepSuite,
  methodTable,
  PerfOptionError,
  partsTable,
  STEP_METHODS,
} from './method-step.js';
import { type Consumer, keepUp, keepUpTable, rateTable, synthesisSuite } from './synthesis.js';
import { PEER_METHODS, type PeerMethod, torchPeerSuite, torchPeerTable } from './torch-peer.js';

const loads = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join('/');

/** The trainer configuration under every method: an optional config file, then `--set key=value` overrides. */
async function baseConfig(file: string | undefined, sets: readonly string[]): Promise<TrainConfigInput> {
  const raw = file === undefined ? {} : await readConfigFile(file);
  return applyOverrides(raw, sets) as TrainConfigInput;
}

/** `--methods joint,uvs+cgr`: each label must name a trainer method (checked by the trainer's `planMethod`). */
const methodLabels = listOf((label: string): string => {
  try {
    const config = methodConfig(label);
    checkWorkers(config, planMethod(config));
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return label;
});

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

/** Prints a methods report the way `methods` does. */
export function printMethodReport(report: MethodStepReport, print: (s: string) => void = out): void {
  print(report.machine);
  const b = report.batch;
  print(
    `batch: ${b.reals} reals + ${b.fakes.original} original + ${b.fakes.synthesized} synthesized fakes at ${b.size}×${b.size} (fixed, not loaded)\n`,
  );
  print(methodTable(report.rows));
  print('\nWhere the time goes (medians per part, ms):\n');
  print(partsTable(report.rows));
  print(`\nload average ${loads(report.load_start)} at the start, ${loads(report.load_end)} at the end`);
  for (const r of report.rows) {
    if (r.target === null || r.vs_joint === null) continue;
    const verdict = r.meets ? 'met' : `MISSED by ${fmt(r.vs_joint - r.target, 2)}×`;
    print(`target ${r.method} ≤ ${r.target}× joint: ${fmt(r.vs_joint, 2)}× — ${verdict}`);
  }
}

/** Registers `methods` and `synthesis` on the benchmark's CLI. */
export function addPerfCommands(program: Command): void {
  program
    .command('methods')
    .description(
      "step time per method relative to joint on the trainer's own step (@cs-dfd/training runStep, default detector, one fixed batch; methods interleaved in rounds)",
    )
    .option(
      '--methods <list>',
      'comma-separated method labels (+cgr turns CGR on; @workers times the two-worker step, e.g. joint@workers)',
      methodLabels,
      [...STEP_METHODS],
    )
    .option('--steps <n>', 'timed steps per method', positiveInt, 30)
    .option('--warmup <n>', 'untimed steps per method first', nonNegativeInt, 2)
    .option('--round <n>', 'steps per method per interleaved round', positiveInt, 5)
    .option('--config <file>', 'trainer config (YAML/JSON) under every method')
    .option('--set <key=value>', 'trainer config override, repeatable (e.g. train.batchSize=16)', collect, [])
    .addOption(backendOption('@cs-dfd/backend candidate', 'wasm'))
    .option(
      '--json <file>',
      'write {"machine", "rows": [{method, ms_median, ms_min, ms_max, vs_joint, ...}]} here',
    )
    .action(
      async (opts: {
        methods: string[];
        steps: number;
        warmup: number;
        round: number;
        config?: string;
        set: string[];
        backend: string;
        json?: string;
      }) => {
        const report = await methodStepSuite({
          methods: opts.methods,
          steps: opts.steps,
          warmup: opts.warmup,
          round: opts.round,
          config: await baseConfig(opts.config, opts.set),
          backend: opts.backend as CandidateName,
          log: err,
        });
        printMethodReport(report);
        if (opts.json) {
          await writeFileAtomic(opts.json, `${JSON.stringify(report, null, 2)}\n`);
          out(`wrote ${opts.json}`);
        }
      },
    );

  program
    .command('torch-peer')
    .description(
      "the trainer's default step (packBatch + runStep, wasm, main thread) against a PyTorch peer (same net, batch, two sources, UVS/joint, Adam; /usr/bin/python3 with python3-torch), 1 thread each, in alternating rounds",
    )
    .option(
      '--methods <list>',
      `comma-separated, of ${PEER_METHODS.join(', ')}`,
      (v: string) => {
        const m = v.split(',').map((x) => x.trim());
        for (const x of m)
          if (!(PEER_METHODS as readonly string[]).includes(x))
            throw new InvalidArgumentError(`expected ${PEER_METHODS.join(' or ')}, got "${x}"`);
        return m as PeerMethod[];
      },
      [...PEER_METHODS],
    )
    .option('--steps <n>', 'timed steps per side per method', positiveInt, 30)
    .option('--rounds <n>', 'alternations ours / PyTorch', positiveInt, 3)
    .option('--warmup <n>', 'untimed steps per side per round', nonNegativeInt, 2)
    .option('--json <file>', 'write the report here')
    .action(
      async (opts: {
        methods: PeerMethod[];
        steps: number;
        rounds: number;
        warmup: number;
        json?: string;
      }) => {
        const report = await torchPeerSuite({ ...opts, log: err });
        out(report.machine);
        out(
          `threads ${report.threads} each side; batch ${report.batch.reals} reals + ${report.batch.fakes.join('/')} fakes at ${report.batch.size} px; load ${loads(report.load_start)} -> ${loads(report.load_end)}`,
        );
        out(torchPeerTable(report));
        if (opts.json) {
          await writeFileAtomic(opts.json, `${JSON.stringify(report, null, 2)}\n`);
          out(`wrote ${opts.json}`);
        }
      },
    );

  program
    .command('synthesis')
    .description(
      "SBI images/s on the main thread and on a SynthesisPool worker, at the trainer's input size, against the fakes/s the trainer's step consumes",
    )
    .option(
      '--size <n>',
      "image side; default the detector's input side from --config/--set (the loader resizes before SBI)",
      positiveInt,
    )
    .option('--samples <n>', 'timed SBI samples per configuration', positiveInt, 200)
    .option('--warmup <n>', 'untimed samples first', nonNegativeInt, 10)
    .option('--workers <n>', 'worker threads of the pool row', positiveInt, 1)
    .option('--steps-json <file>', 'step times from `methods --json` instead of measuring them here')
    .option('--methods <list>', 'methods whose consumption to measure (without --steps-json)', methodLabels, [
      'joint',
      'uvs',
      'uvs+cgr',
    ])
    .option('--steps <n>', 'timed steps per method (without --steps-json)', positiveInt, 10)
    .option('--config <file>', 'trainer config (YAML/JSON) for the step')
    .option('--set <key=value>', 'trainer config override, repeatable', collect, [])
    .option('--json <file>', 'write {"machine", "rates": [...], "keep_up": [...]} here')
    .action(
      async (opts: {
        size?: number;
        samples: number;
        warmup: number;
        workers: number;
        stepsJson?: string;
        methods: string[];
        steps: number;
        config?: string;
        set: string[];
        json?: string;
      }) => {
        const base = await baseConfig(opts.config, opts.set);
        let steps: MethodStepReport;
        if (opts.stepsJson !== undefined) {
          steps = JSON.parse(await readFile(opts.stepsJson, 'utf8')) as MethodStepReport;
          if (!Array.isArray(steps.rows) || typeof steps.batch?.fakes?.synthesized !== 'number')
            throw new PerfOptionError('--steps-json', opts.stepsJson, 'is not a `methods --json` report');
          out(`step times from ${opts.stepsJson}: ${steps.machine}`);
        } else {
          steps = await methodStepSuite({ methods: opts.methods, steps: opts.steps, config: base, log: err });
          out(`step times measured here: ${steps.machine}`);
        }
        // Only methods whose plan builds the synthesized sub-batch consume SBI fakes.
        const consumers: Consumer[] = steps.rows
          .filter((r) => planMethod(methodConfig(r.method, base)).sources.includes('synthesized'))
          .map((r) => ({
            method: r.method,
            step_ms: r.ms_median,
            fakes_per_step: steps.batch.fakes.synthesized,
          }));
        const machine = machineLine('none for SBI (plain JS)');
        out(machine);
        const rates = await synthesisSuite({
          size: opts.size ?? detectorInputSize(methodConfig('joint', base)),
          samples: opts.samples,
          warmup: opts.warmup,
          workers: opts.workers,
          log: err,
        });
        const main = rates.rows.find((r) => r.where === 'main')!;
        const pool = rates.rows.find((r) => r.where === 'pool')!;
        const keep = keepUp(consumers, main.images_per_s, pool.images_per_s / pool.workers);
        out(`\n${rateTable(rates.rows)}\n`);
        out(keepUpTable(keep));
        out(
          `\nload average ${loads(rates.load_start)} at the start of SBI timing, ${loads(rates.load_end)} at the end; 1-worker rate measured with the main thread idle`,
        );
        if (opts.json) {
          await writeFileAtomic(
            opts.json,
            `${JSON.stringify({ machine, step_machine: steps.machine, rates: rates.rows, keep_up: keep }, null, 2)}\n`,
          );
          out(`wrote ${opts.json}`);
        }
      },
    );
}
